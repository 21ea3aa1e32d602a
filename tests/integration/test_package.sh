#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make deb`: the package installs (user, unit enabled, not started), its
# unit's command line runs as the unit says (user, capabilities, no-new-
# privs) and counts exactly, and a purge leaves nothing behind.
. "$(dirname "$0")/../lib.sh"
require_root
for c in dpkg-deb dpkg-shlibdeps setpriv systemd-analyze scdoc; do
	command -v $c >/dev/null || skip "$c not installed"
done
if dpkg-query -W -f='${Status}' tapio 2>/dev/null | grep -q installed; then
	skip "a tapio package is installed on this host: not replacing it"
fi
getent passwd tapio >/dev/null && skip "a user 'tapio' exists that this test did not make"

use_testenv pkg --ipv4-only
DEV=$TESTENV_DEV
D=$(mktemp -d)
chmod 0755 "$D"
PORT=$((20000 + RANDOM % 10000))
INSTALLED=
EXTRA_CLEANUP='TAPIO_PIN_ROOT="$D/bpf/tapio" "$TAPIO" detach "$DEV" >/dev/null 2>&1
[ -n "$INSTALLED" ] && dpkg --purge tapio >/dev/null 2>&1
mountpoint -q "$D/bpf" && umount "$D/bpf"
rm -rf "$D"'

DEB=$(make --no-print-directory -C "$ROOT" BUILD="$(dirname "$TAPIO")" deb 2>"$D/deb.err" | tail -1)
[ -f "$DEB" ] || { cat "$D/deb.err"; fail "make deb"; finish; exit 1; }
expect_eq "the package declares its libraries" \
	"$(dpkg-deb -f "$DEB" Depends | grep -o 'libbpf1\|libxdp1\|libpcap0.8\|libmicrohttpd12\|libsystemd0\|adduser' | sort -u | wc -l)" 6
dpkg -i "$DEB" >"$D/dpkg.log" 2>&1
rc=$?
INSTALLED=yes
expect_eq "dpkg -i" "$rc" 0
dpkg -L tapio | while read -r f; do [ -d "$f" ] || echo "$f"; done >"$D/files"
expect_eq "the binary, the unit, the settings, the man pages" \
	"$(grep -c '^/usr/sbin/tapio$\|^/lib/systemd/system/tapio.service$\|^/etc/tapio/tapio.conf$\|/man8/tapio.8$\|/man5/tapio.conf.5$' "$D/files")" 5
expect_eq "a system user and group tapio" \
	"$(id -u tapio 2>/dev/null | awk '$1 < 1000 {print "system"}') $(getent group tapio | cut -d: -f1)" "system tapio"
expect_eq "the unit is enabled" \
	"$([ -L /etc/systemd/system/multi-user.target.wants/tapio.service ] && echo enabled)" enabled
expect_eq "and not started" "$(pgrep -u tapio -c tapio)" 0
systemd-analyze verify /lib/systemd/system/tapio.service >"$D/verify" 2>&1
expect_eq "systemd-analyze verify is clean" "$? $(cat "$D/verify")" "0 "
expect_eq "/etc/tapio/tapio.conf is a conffile" \
	"$(dpkg-query -W -f='${Conffiles}' tapio | grep -c /etc/tapio/tapio.conf)" 1

# --- the unit's command lines, as systemd would run them ------------------
UNIT=/lib/systemd/system/tapio.service
unit_key() { sed -n "s/^$1=//p" "$UNIT"; }
CAPS=$(unit_key AmbientCapabilities | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
expect_eq "the unit grants four capabilities" "$CAPS" +bpf,+perfmon,+net_admin,+net_raw
expect_eq "the unit's user" "$(unit_key User)" tapio
expect_eq "no new privileges" "$(unit_key NoNewPrivileges)" yes
PRE=$(unit_key ExecStartPre)
START=$(unit_key ExecStart)
# a private bpffs and run directory stand for the host's (left alone)
mkdir "$D/bpf" && mount -t bpf bpf "$D/bpf" -o mode=0700 || skip "cannot mount a bpffs"
export TAPIO_PIN_ROOT="$D/bpf/tapio" TAPIO_RUN_DIR="$D/run"
BPFFS="$D/bpf" PIN_ROOT="$TAPIO_PIN_ROOT" RUN_DIR="$TAPIO_RUN_DIR" ${PRE#+}
expect_eq "ExecStartPre prepared the directories for tapio" \
	"$(stat -c '%U' "$TAPIO_PIN_ROOT" "$TAPIO_RUN_DIR" | sort -u)" tapio
install -d -o tapio -g tapio -m 0750 /var/log/tapio # LogsDirectory=
# the operator's settings, as `systemctl edit tapio` would add them
TAPIO_INTERFACES=$DEV TAPIO_METRICS="127.0.0.1:$PORT" TAPIO_SOCKET="$D/run/tapio.sock" \
	TAPIO_INTERVAL=0.2 \
	setpriv --reuid=tapio --regid=tapio --clear-groups --inh-caps="$CAPS" \
	--ambient-caps="$CAPS" --no-new-privs $START >/dev/null 2>"$D/run.err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/run.err" || fail "the unit's ExecStart did not get ready: $(head -3 "$D/run.err")"
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 31000 --flows 20 --count 10 \
	--dst "$TESTENV_IP4_HOST" --dport 9810 --size 10 >/dev/null
nsexec "$PKTSEND" raw --dev "$TESTENV_PEER" --dst-mac "$TESTENV_MAC_HOST" --proto tcp \
	--src "$TESTENV_IP4_NS" --dst "$TESTENV_IP4_HOST" --sport 32000 --dport 9811 \
	--count 7 --size 100 >/dev/null
wait_until 5 'curl -s "127.0.0.1:$PORT/metrics" | grep -q "^tapio_table_flows"'
kill -TERM $RUN
wait $RUN
BG_PIDS=
S=$(grep '^{"summary"' "$D/run.err")
expect_eq "the unit's run: an exact account" "$(jq .summary.exact <<<"$S")" true
expect_eq "flow records in /var/log/tapio/flows.jsonl: 200 UDP packets in 20 flows" \
	"$(jq -s '[.[] | select(.dst_port == 9810)] | "\(length) \(map(.packets) | add)"' -r /var/log/tapio/flows.jsonl)" "20 200"
expect_eq "and the 7 TCP packets" "$(flow_sum /var/log/tapio/flows.jsonl packets '.dst_port == 9811')" 7
expect_eq "written by the user tapio, not world-readable" \
	"$(stat -c '%U %a' /var/log/tapio/flows.jsonl)" "tapio 640"

# --- purge ----------------------------------------------------------------
dpkg --purge tapio >"$D/purge.log" 2>&1
expect_eq "dpkg --purge" "$?" 0
INSTALLED=
left=$(while read -r f; do [ -e "$f" ] && echo "$f"; done <"$D/files")
expect_eq "every file of the package gone" "${left:-none}" none
expect_eq "the user and the group gone" "$(getent passwd tapio; getent group tapio)" ""
expect_eq "its logs gone" "$([ -e /var/log/tapio ] && echo present || echo gone)" gone
expect_eq "the unit's enable link gone" \
	"$([ -e /etc/systemd/system/multi-user.target.wants/tapio.service ] && echo present || echo gone)" gone

finish
