#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio run` as the systemd unit runs it, without systemd: an unprivileged
# user with only the documented capabilities and no-new-privs, sd_notify to
# a socket of ours; exact counts, the capabilities it keeps, a restart.
. "$(dirname "$0")/../lib.sh"
require_root
command -v setpriv >/dev/null || skip "setpriv not installed (util-linux)"
command -v python3 >/dev/null || skip "python3 not installed"
command -v curl >/dev/null || skip "curl not installed"
id nobody >/dev/null 2>&1 || skip "no user 'nobody'"

use_testenv svc --ipv4-only
DEV=$TESTENV_DEV
D=$(mktemp -d)
chmod 0755 "$D"
PORT=$((20000 + RANDOM % 10000))
EXTRA_CLEANUP='[ -n "${NOTIFY:-}" ] && kill $NOTIFY 2>/dev/null
TAPIO_PIN_ROOT="$D/bpf/tapio" "$TAPIO" detach "$DEV" >/dev/null 2>&1
mountpoint -q "$D/bpf" && umount "$D/bpf"
rm -rf "$D"'
USER_NAME=nobody
# The unit's own bpffs and run directory would be /sys/fs/bpf/tapio and
# /run/tapio; a private bpffs keeps the host's untouched.
mkdir "$D/bpf"
mount -t bpf bpf "$D/bpf" -o mode=0700 || skip "cannot mount a bpffs"
export TAPIO_PIN_ROOT="$D/bpf/tapio" TAPIO_RUN_DIR="$D/run"
CAPS=+bpf,+perfmon,+net_admin,+net_raw

# --- tapio-setcap prepare: the directories a non-root tapio needs ----------
BPFFS="$D/bpf" PIN_ROOT="$TAPIO_PIN_ROOT" RUN_DIR="$TAPIO_RUN_DIR" \
	"$ROOT/scripts/tapio-setcap" prepare $USER_NAME
expect_eq "prepare: pin root owned by the user, 2750 (pins take its group)" \
	"$(stat -c '%U %a' "$TAPIO_PIN_ROOT")" "$USER_NAME 2750"
expect_eq "prepare: run directory owned by the user, 2750" \
	"$(stat -c '%U %a' "$TAPIO_RUN_DIR")" "$USER_NAME 2750"
expect_eq "prepare: the bpffs is traversable, not listable, by others" \
	"$(($(stat -c '0%a' "$D/bpf") & 07))" 1
ln -s /etc "$D/planted"
expect_fail "prepare refuses a planted link" "symbolic link" \
	env BPFFS="$D/bpf" PIN_ROOT="$D/planted" RUN_DIR="$TAPIO_RUN_DIR" \
	"$ROOT/scripts/tapio-setcap" prepare $USER_NAME
expect_eq "the link's target is untouched" "$(stat -c %U /etc)" root

# as systemd: User=, AmbientCapabilities=, NoNewPrivileges=yes
as_service() {
	local caps=$1
	shift
	exec setpriv --reuid=$USER_NAME --regid="$(id -g $USER_NAME)" --clear-groups \
		--inh-caps="$caps" --ambient-caps="$caps" --no-new-privs "$TAPIO" "$@"
}

# --- one capability less: refused at start, naming it ----------------------
expect_fail "without cap_perfmon: refused, naming it" "missing capabilities: cap_perfmon" \
	as_service +bpf,+net_admin,+net_raw run "$DEV" --socket none --metrics none
expect_fail "without cap_net_admin: refused, naming it" "missing capabilities: cap_net_admin" \
	as_service +bpf,+perfmon,+net_raw run "$DEV" --socket none --metrics none

# --- the service: sd_notify, exact counts, the capabilities it keeps ------
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        for line in s.recv(4096).decode().split("\n"):
            print(line, file=out)' "$D/notify.sock" "$D/notify.log" &
NOTIFY=$!
wait_until 5 '[ -S "$D/notify.sock" ]'

start_service() {
	NOTIFY_SOCKET="$D/notify.sock" WATCHDOG_USEC=400000 \
		as_service $CAPS run "$DEV" --interval 1 --idle-timeout 60 \
		--socket "$D/run/tapio.sock" --metrics "127.0.0.1:$PORT" \
		>>"$D/flows.jsonl" 2>"$D/$1.err" &
	RUN=$!
	BG_PIDS=$RUN
	wait_until 10 'grep -q "^READY=1" "$D/notify.log"'
}
send() { # COUNT SPORT
	nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport "$2" --count "$1" \
		--dst "$TESTENV_IP4_HOST" --dport 9800 --size 10 >/dev/null
}

start_service first
expect_eq "READY=1 once attached and drained" "$(grep -c '^READY=1' "$D/notify.log")" 1
expect_eq "the process runs as the user" "$(stat -c %U /proc/$RUN)" $USER_NAME
effective=$(awk '/^CapEff/ {print $2}' /proc/$RUN/task/*/status | sort -u)
# cap_net_admin (12) and cap_bpf (39): detaching at exit; nothing else
expect_eq "every thread keeps cap_bpf and cap_net_admin only" "$effective" 0000008000001000
expect_eq "it says what it kept" "$(grep -c '^capabilities kept: cap_net_admin, cap_bpf$' "$D/first.err")" 1
expect_eq "no-new-privs" "$(awk '/^NoNewPrivs/ {print $2}' /proc/$RUN/status)" 1
send 300 30000
wait_until 5 'grep -q "^WATCHDOG=1" "$D/notify.log"'
expect_range "watchdog keep-alives (WATCHDOG_USEC 0.4 s: every 0.2 s)" \
	"$(grep -c '^WATCHDOG=1' "$D/notify.log")" 1 1000
wait_until 5 'grep -q "^STATUS=.*flows in the table" "$D/notify.log"'
expect_eq "STATUS= names the table" "$(grep -m1 '^STATUS=' "$D/notify.log" | grep -c 'flows in the table, .* exported; 1 devices, 0 probes')" 1
sock_packets() {
	"$TAPIO" flows "$DEV" --json --socket "$D/run/tapio.sock" |
		jq -s '[.[] | select(.dst_port == 9800) | .packets] | add // 0'
}
wait_until 5 '[ "$(sock_packets)" = 300 ]'
expect_eq "the control socket of the unprivileged run: 300 packets" "$(sock_packets)" 300
ingress() {
	curl -s "127.0.0.1:$PORT/metrics" |
		awk -v m="tapio_interface_packets_total{interface=\"$DEV\",direction=\"ingress\"}" '$1 == m {print $2}'
}
wait_until 5 '[ "$(ingress)" -ge 300 ]' # the snapshot is made each interval
expect_range "/metrics served by the unprivileged run (ingress packets)" "$(ingress)" 300 310

# --- the daemon's group reads status and flows; another user cannot ------
GROUP=$(id -gn $USER_NAME)
member() { setpriv --reuid=daemon --regid=daemon --groups="$GROUP" --inh-caps=-all "$TAPIO" "$@"; }
stranger() { setpriv --reuid=bin --regid=bin --clear-groups --inh-caps=-all "$TAPIO" "$@"; }
expect_eq "pins: the group may read, nobody else anything" \
	"$(stat -c '%a %G' "$TAPIO_PIN_ROOT/$DEV/tapio_counters")" "640 $GROUP"
expect_eq "the control socket: owner and group" "$(stat -c '%a %G' "$D/run/tapio.sock")" "660 $GROUP"
expect_eq "a group member's tapio status shows the device and its programs" \
	"$(member status --json | jq -r 'select(.dev == "'"$DEV"'") | "\(.hook) \(.tc_in_prog_id > 0) \(.tc_prog_id > 0)"')" "tc true true"
expect_eq "a group member's tapio flows reads the daemon's table: 300 packets" \
	"$(member flows "$DEV" --json --socket "$D/run/tapio.sock" |
		jq -s '[.[] | select(.dst_port == 9800) | .packets] | add // 0')" 300
expect_fail "another user's tapio status: refused, saying why" \
	"cannot read .*Permission denied \\(tapio's state is for root and the group" stranger status
expect_fail "another user's tapio flows: refused" "Permission denied" \
	stranger flows "$DEV" --socket "$D/run/tapio.sock"
expect_eq "a group member cannot write the maps (opened read-only)" \
	"$(setpriv --reuid=daemon --regid=daemon --groups="$GROUP" bpftool map update pinned \
		"$TAPIO_PIN_ROOT/$DEV/tapio_config" key 0 0 0 0 value hex $(printf '00 %.0s' $(seq 72)) 2>&1 |
		grep -c 'Permission denied\|Operation not permitted')" 1

# --- Restart=on-failure: killed, started again, nothing lost --------------
kill -KILL $RUN
wait $RUN 2>/dev/null
send 200 30001 # while no collector runs: the attachment keeps counting
: >"$D/notify.log"
start_service second
send 100 30002
kill -TERM $RUN
wait $RUN
BG_PIDS=
expect_eq "STOPPING=1 on SIGTERM" "$(grep -c '^STOPPING=1' "$D/notify.log")" 1
S=$(grep '^{"summary"' "$D/second.err")
expect_eq "the restarted run's account is exact" "$(jq .summary.exact <<<"$S")" true
expect_eq "it took the killed run's attachment over" \
	"$(grep -c 'taking over the attachment' "$D/second.err")" 1
expect_eq "the burst while no run ran and the one after: 300 packets" \
	"$(flow_sum "$D/flows.jsonl" packets '.dst_port == 9800 and .src_port != 30000')" 300
expect_eq "detached at exit by the unprivileged run: pins gone" \
	"$([ -e "$TAPIO_PIN_ROOT/$DEV" ] && echo present || echo gone)" gone
expect_eq "the prepared pin root stays for the next start" \
	"$(stat -c %U "$TAPIO_PIN_ROOT" 2>/dev/null)" $USER_NAME
expect_eq "no XDP program left on the device" \
	"$(ip -j link show dev "$DEV" | jq '.[0].xdp // empty | length')" ""

# --- without systemd: tapio-setcap grant, file capabilities -------------
if command -v setcap >/dev/null && [ "$(findmnt -no OPTIONS -T "$D" | grep -c nosuid)" = 0 ]; then
	mkdir "$D/bin" && cp "$TAPIO" "$D/bin/tapio"
	"$ROOT/scripts/tapio-setcap" grant "$D/bin/tapio" "$GROUP" >/dev/null
	expect_eq "grant: the four capabilities on the file" \
		"$(getcap "$D/bin/tapio" | grep -o 'cap_[a-z_,]*[=+]ep' | tr ',' '\n' | sed 's/[=+]ep//' | sort | tr '\n' ' ')" \
		"cap_bpf cap_net_admin cap_net_raw cap_perfmon "
	expect_eq "grant: runnable by root and the group only" "$(stat -c '%a %U %G' "$D/bin/tapio")" "750 root $GROUP"
	# through a shell of the user: setpriv itself would exec the binary
	# with root's capabilities still in effect for the permission check
	as_user() { local u=$1 g=$2; shift 2; setpriv --reuid="$u" --regid="$g" --clear-groups sh -c '"$@"' _ "$@"; }
	out=$(as_user $USER_NAME "$GROUP" "$D/bin/tapio" attach "$DEV" 2>&1)
	expect_eq "a group member attaches with the file's capabilities alone" \
		"$(grep -c "^attached tapio_tc to $DEV ingress" <<<"$out")" 1
	as_user $USER_NAME "$GROUP" "$D/bin/tapio" detach "$DEV" >/dev/null 2>&1
	expect_eq "and detaches" "$([ -e "$TAPIO_PIN_ROOT/$DEV" ] && echo present || echo gone)" gone
	expect_fail "another user cannot run it" "tapio: Permission denied" \
		as_user bin bin "$D/bin/tapio" status
	"$ROOT/scripts/tapio-setcap" revoke "$D/bin/tapio" >/dev/null
	expect_eq "revoke: no capabilities, mode 0755" \
		"$(getcap "$D/bin/tapio" | wc -l) $(stat -c '%a %U' "$D/bin/tapio")" "0 755 root"
fi

finish
