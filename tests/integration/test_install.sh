#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make install DESTDIR=...`: every file where the docs say, the installed
# binary passes the flow suite, `make uninstall` takes exactly that away.
. "$(dirname "$0")/../lib.sh"
require_root
command -v scdoc >/dev/null || skip "scdoc not installed"

BUILD=$(dirname "$TAPIO")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
inst() { make --no-print-directory -C "$ROOT" BUILD="$BUILD" DESTDIR="$T" PREFIX=/usr/local "$@"; }

# complete_words WORD...: what the installed completion offers for the last
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tapio; echo "${COMPREPLY[*]}"' \
		_ "$T/usr/local/share/bash-completion/completions/tapio" "$@"
}

inst install >"$T.log" 2>&1 || { cat "$T.log"; fail "make install"; finish; exit 1; }
rm -f "$T.log"
for f in sbin/tapio sbin/tapio-setcap sbin/tapio-set-irq-affinity \
	share/man/man8/tapio.8 share/man/man5/tapio.conf.5 \
	lib/systemd/system/tapio.service lib/sysctl.d/99-tapio.conf \
	share/bash-completion/completions/tapio share/doc/tapio/LICENSE; do
	[ -f "$T/usr/local/$f" ] || fail "installed: /usr/local/$f missing"
done
expect_eq "the settings file in SYSCONFDIR" "$([ -f "$T/etc/tapio/tapio.conf" ] && echo yes)" yes
expect_eq "the unit runs the installed binary with the installed settings" \
	"$(grep -c '^ExecStart=/usr/local/sbin/tapio run --config /etc/tapio/tapio.conf$' \
		"$T/usr/local/lib/systemd/system/tapio.service")" 1
expect_eq "no placeholder left in the unit" "$(grep -c @ "$T/usr/local/lib/systemd/system/tapio.service")" 0
expect_eq "the shipped settings write flow records to the unit's log directory" \
	"$(grep -c '^json_file = /var/log/tapio/flows.jsonl$' "$T/etc/tapio/tapio.conf")" 1
expect_eq "man pages render without warnings" \
	"$(man --warnings -l "$T/usr/local/share/man/man8/tapio.8" "$T/usr/local/share/man/man5/tapio.conf.5" 2>&1 >/dev/null | wc -l)" 0
expect_eq "tapio.conf(5) lists every key of the settings table" \
	"$(MANWIDTH=200 man -l "$T/usr/local/share/man/man5/tapio.conf.5" 2>/dev/null | grep -cE '^ {7}[a-z_]+ = ')" \
	"$(grep -c '^;[a-z_]* =' "$ROOT/scripts/tapio.conf")"
expect_eq "the completion names the commands" \
	"$(complete_words tapio ca)" capture
expect_eq "the completion reads a command's options from its --help" \
	"$(PATH="$T/usr/local/sbin:$PATH" complete_words tapio run --print-c)" --print-config
expect_eq "the completion offers the probes" "$(complete_words tapio trace e)" exec
missing=
for k in $(sed -n 's/^\([a-z][a-z0-9_.]*\) *=.*/\1/p' "$T/usr/local/lib/sysctl.d/99-tapio.conf"); do
	[ -e "/proc/sys/${k//.//}" ] || missing="$missing $k"
done
expect_eq "every key of the sysctl file is one of this kernel's" "${missing:-none}" none

# One set of capabilities everywhere: the unit, tapio-setcap, the
# DaemonSet (validated offline: no cluster here) and the privilege table
caps_of() { tr 'A-Z, ' 'a-z\n\n' | sed 's/^cap_//; /^$/d' | sort | tr '\n' ' '; }
UNIT_CAPS=$(sed -n 's/^AmbientCapabilities=//p' "$T/usr/local/lib/systemd/system/tapio.service" | caps_of)
expect_eq "the unit's capabilities" "$UNIT_CAPS" "bpf net_admin net_raw perfmon "
expect_eq "its bounding set is the same" \
	"$(sed -n 's/^CapabilityBoundingSet=//p' "$T/usr/local/lib/systemd/system/tapio.service" | caps_of)" "$UNIT_CAPS"
expect_eq "tapio-setcap grants the same" \
	"$(sed -n 's/^CAPS=//p' "$ROOT/scripts/tapio-setcap" | caps_of)" "$UNIT_CAPS"
if python3 -c 'import yaml' 2>/dev/null; then
	expect_eq "the DaemonSet: host network, the same capabilities, all others dropped, no privileged" \
		"$(python3 - "$ROOT/scripts/container/tapio-daemonset.yaml" <<'PY'
import sys, yaml
docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1]))}
pod = docs["DaemonSet"]["spec"]["template"]["spec"]
c = pod["containers"][0]
sc = c["securityContext"]
mounts = {m["mountPath"] for m in c["volumeMounts"]}
ok = (pod["hostNetwork"] and sc["capabilities"]["drop"] == ["ALL"]
      and not sc.get("privileged") and sc["allowPrivilegeEscalation"] is False
      and {"/sys/fs/bpf", "/etc/tapio", "/run/tapio"} <= mounts
      and "tapio.conf" in docs["ConfigMap"]["data"]
      and c["ports"][0]["containerPort"] == 19473)
print(" ".join(sorted(x.lower() for x in sc["capabilities"]["add"])) + " " if ok else "invalid")
PY
)" "$UNIT_CAPS"
fi
expect_eq "the Containerfile says the same" \
	"$(grep -o -- '--cap-add [A-Z_]*' "$ROOT/scripts/container/Containerfile" | cut -d' ' -f2 | caps_of)" "$UNIT_CAPS"

# the installed binary is the one tested
out=$(TAPIO="$T/usr/local/sbin/tapio" bash "$ROOT/tests/integration/test_flows.sh" 2>&1)
expect_eq "the installed binary passes test_flows ($(grep -c '^PASS' <<<"$out") checks)" \
	"$(grep -c '^FAIL' <<<"$out")" 0

# an operator's change to the settings is kept; everything else goes
echo "; mine" >>"$T/etc/tapio/tapio.conf"
inst uninstall >/dev/null 2>&1
expect_eq "uninstall keeps the changed settings file" "$(find "$T" -type f -printf '%P\n')" etc/tapio/tapio.conf
rm "$T/etc/tapio/tapio.conf"
inst install >/dev/null 2>&1
inst uninstall >/dev/null 2>&1
expect_eq "uninstall takes away every file install put there" "$(find "$T" ! -type d | wc -l)" 0

finish
