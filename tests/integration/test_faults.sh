#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Faults a careless operator or a hostile user makes: a control-socket
# client that never reads, files planted where tapio writes, a full disk.
# Collection goes on, nothing is removed or followed, every loss is counted.
. "$(dirname "$0")/../lib.sh"
require_root
command -v curl >/dev/null || skip "curl not installed"
command -v python3 >/dev/null || skip "python3 not installed"

use_testenv faults --ipv4-only
DEV=$TESTENV_DEV
D=$(mktemp -d)
PORT=$((20000 + RANDOM % 10000))
GONE=tpf-gone$$
PINRM=tpf-pins$$
EXTRA_CLEANUP='[ -n "${STALL:-}" ] && kill $STALL 2>/dev/null
"$TAPIO" detach $PINRM >/dev/null 2>&1
ip link del $GONE 2>/dev/null
ip link del $PINRM 2>/dev/null
mountpoint -q "$D/full" && umount "$D/full"
rm -rf "$D"'
metric() { curl -s "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# --- a client that connects and never reads ------------------------------
"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 60 --socket "$D/run.sock" \
	--metrics "127.0.0.1:$PORT" >"$J" 2>"$D/run.err" &
RUN=$!
BG_PIDS=$RUN
wait_until 5 '[ -S "$D/run.sock" ] && curl -sf "127.0.0.1:$PORT/metrics" >/dev/null'
# 6000 flows: their records are far more than a socket buffer holds
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 10000 --flows 6000 --count 1 \
	--dst "$TESTENV_IP4_HOST" --dport 9600 --size 10 >/dev/null
wait_until 5 '[ "$(metric tapio_table_flows)" = 6000 ]'
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
time.sleep(60)' "$D/run.sock" &
STALL=$!
sleep 0.3 # the daemon is now blocked on that client's full buffer
# collection goes on: a burst after the stall is drained and exported
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 4600 --count 500 \
	--dst "$TESTENV_IP4_HOST" --dport 9700 --size 10 >/dev/null
wait_until 5 '[ "$(metric "tapio_interface_packets_total{interface=\"$DEV\",direction=\"ingress\"}")" -ge 6500 ]'
expect_range "drains go on while a client stalls (ingress packets)" \
	"$(metric "tapio_interface_packets_total{interface=\"$DEV\",direction=\"ingress\"}")" 6500 100000
wait_until 8 '[ "$(metric "tapio_control_clients_total{result=\"dropped\"}")" = 1 ]'
expect_eq "the stalled client is dropped after its budget" \
	"$(metric "tapio_control_clients_total{result=\"dropped\"}")" 1
expect_eq "a client after it gets the whole table" \
	"$("$TAPIO" flows "$DEV" --json --socket "$D/run.sock" | jq -s '[.[] | select(.dst_port == 9600)] | length')" 6000
kill -TERM $RUN
wait_until 5 '! kill -0 $RUN 2>/dev/null'
expect_eq "SIGTERM ends the run promptly" "$(kill -0 $RUN 2>/dev/null && echo running || echo ended)" ended
wait $RUN
BG_PIDS=
kill $STALL 2>/dev/null
wait $STALL 2>/dev/null
STALL=
expect_eq "all 500 burst packets exported" "$(flow_sum "$J" packets '.dst_port == 9700')" 500
expect_eq "the account is exact" "$(grep "^{\"summary\"" "$D/run.err" | jq .summary.exact)" true

# --- idle connections to /metrics ----------------------------------------
"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 0.3 --socket none \
	--metrics "127.0.0.1:$PORT" >"$J" 2>"$D/idle.err" &
RUN=$!
BG_PIDS=$RUN
wait_until 5 'curl -sf "127.0.0.1:$PORT/metrics" >/dev/null'
fds0=$(ls /proc/$RUN/fd | wc -l)
# 300 connections from one address that send nothing and stay open
python3 -c '
import socket, sys, time
held = []
for _ in range(300):
    s = socket.socket()
    s.connect(("127.0.0.1", int(sys.argv[1])))
    held.append(s)
print("held", flush=True)
time.sleep(60)' "$PORT" >"$D/idle.out" &
STALL=$!
wait_until 10 'grep -q held "$D/idle.out"'
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 4800 --count 200 \
	--dst "$TESTENV_IP4_HOST" --dport 9760 --size 10 >/dev/null
wait_until 5 '[ "$(flow_sum "$J" packets ".dst_port == 9760")" = 200 ]'
expect_eq "collection goes on beside 300 idle connections" "$(flow_sum "$J" packets '.dst_port == 9760')" 200
expect_range "the idle connections hold at most 16 fds (the per-address limit)" \
	"$(( $(ls /proc/$RUN/fd | wc -l) - fds0 ))" 0 16
expect_eq "another address is still answered" \
	"$(curl -s --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT/healthz")" 200
# idle connections are closed after 10 s: the same address is served again
wait_until 15 '[ "$(curl -s -o /dev/null -w "%{http_code}" "127.0.0.1:$PORT/healthz")" = 200 ]'
expect_eq "idle connections time out" \
	"$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT/healthz")" 200
kill $STALL
wait $STALL 2>/dev/null
STALL=
kill -TERM $RUN
wait $RUN
BG_PIDS=

# --- files planted where the socket goes ---------------------------------
echo precious >"$D/file"
expect_fail "a regular file at --socket is refused" "exists and is not a socket" \
	"$TAPIO" run "$DEV" --socket "$D/file" --metrics none
expect_eq "and left as it was" "$(cat "$D/file")" precious
ln -s "$D/file" "$D/link"
expect_fail "a symlink at --socket is refused" "exists and is not a socket" \
	"$TAPIO" run "$DEV" --socket "$D/link" --metrics none
expect_eq "the link is still there" "$(test -L "$D/link" && echo link)" link
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$D/dead.sock"
"$TAPIO" run "$DEV" --socket "$D/dead.sock" --metrics none --duration 0.3 >/dev/null 2>"$D/dead.err"
expect_eq "a dead socket of ours is taken over" "$?" 0
expect_eq "and removed at exit" "$(test -e "$D/dead.sock" && echo left || echo gone)" gone

# --- files planted where the flow records go -----------------------------
expect_fail "a symlink at --json-file is refused" "symbolic link" \
	"$TAPIO" run "$DEV" --json-file "$D/link" --metrics none --socket none
expect_eq "its target untouched" "$(cat "$D/file")" precious
touch "$D/other.json"
chown nobody "$D/other.json"
expect_fail "a file of another user is refused" "owned by another user" \
	"$TAPIO" run "$DEV" --json-file "$D/other.json" --metrics none --socket none
(umask 000 && "$TAPIO" run "$DEV" --json-file "$D/new.json" --metrics none --socket none \
	--duration 0.2 >/dev/null 2>&1)
expect_eq "a new file is created 0640 whatever the umask" "$(stat -c %a "$D/new.json")" 640

# --- one collector per device -------------------------------------------
"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 60 --socket none --metrics none \
	>"$J" 2>"$D/owner.err" &
RUN=$!
BG_PIDS=$RUN
wait_until 5 '[ -e /run/tapio/$DEV.lock ] && [ -e /sys/fs/bpf/tapio/$DEV ]'
expect_fail "a second run on the device names the first" \
	"another tapio run \(pid $RUN\) collects from $DEV" \
	"$TAPIO" run "$DEV" --socket none --metrics none --duration 1
expect_fail "a detach under the run is refused" "tapio run \(pid $RUN\) collects from $DEV" \
	"$TAPIO" detach "$DEV"
expect_eq "the device stays attached" "$(test -e /sys/fs/bpf/tapio/$DEV && echo yes)" yes
# a run that dies leaves its attachment counting; the next run takes it
# over, drains what it counted meanwhile, and detaches it at exit
kill -KILL $RUN
wait $RUN 2>/dev/null
BG_PIDS=
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 4700 --count 300 \
	--dst "$TESTENV_IP4_HOST" --dport 9750 --size 10 >/dev/null
"$TAPIO" run "$DEV" --socket none --metrics none --duration 0.3 >"$J" 2>"$D/adopt.err"
expect_eq "the next run says it takes the attachment over" \
	"$(grep -c 'taking over the attachment of a tapio run that ended' "$D/adopt.err")" 1
expect_eq "and exports what was counted while no run ran" \
	"$(flow_sum "$J" packets '.dst_port == 9750')" 300
expect_eq "and detaches it at exit" "$(test -e /sys/fs/bpf/tapio/$DEV && echo attached || echo detached)" detached
expect_eq "no lock file is left" "$(test -e /run/tapio/$DEV.lock && echo left || echo gone)" gone
# what tapio attach put there stays, with or without a run on top
"$TAPIO" attach "$DEV" >/dev/null
"$TAPIO" run "$DEV" --socket none --metrics none --duration 0.2 >/dev/null 2>&1
expect_eq "a run leaves an attachment of tapio attach in place" \
	"$(test -e /sys/fs/bpf/tapio/$DEV && echo attached)" attached
# pins of a tapio with another map layout are not read as ours
AI=/sys/fs/bpf/tapio/$DEV/tapio_attach_info
bpftool map update pinned "$AI" key 0 0 0 0 value \
	01 00 00 00 $(bpftool -j map lookup pinned "$AI" key 0 0 0 0 | jq -r '.value[4:] | join(" ")')
expect_fail "an attachment of another layout version is refused" \
	"attached by a tapio whose maps are laid out differently \(version 1, this one" \
	"$TAPIO" run "$DEV" --socket none --metrics none --duration 0.2
expect_eq "tapio status does not read its counters either, and says why" \
	"$("$TAPIO" status 2>&1 >/dev/null | grep -c "^tapio: $DEV was attached by a tapio whose maps are laid out differently (version 1")" 1
expect_fail "nor tapio flows its keys" "attached by a tapio whose maps are laid out differently \(version 1" \
	"$TAPIO" flows "$DEV"
expect_eq "and can still be detached" "$("$TAPIO" detach "$DEV" >/dev/null 2>&1; echo $?)" 0

# --- a device lost mid-run -----------------------------------------------
# one interface deleted, another's pins removed (which frees the XDP link):
# noticed within an interval, named in /healthz and the summary, and the
# other device's collection goes on
ip link add $GONE type veth peer name ${GONE}p && ip link set $GONE up &&
	ip link add $PINRM type veth peer name ${PINRM}p && ip link set $PINRM up ||
	fail "veths for the lost-device test"
"$TAPIO" run "$DEV" $GONE $PINRM --interval 0.1 --idle-timeout 60 --socket none \
	--metrics "127.0.0.1:$PORT" >"$J" 2>"$D/lost.err" &
RUN=$!
BG_PIDS=$RUN
wait_until 5 '[ "$(curl -s -o /dev/null -w "%{http_code}" "127.0.0.1:$PORT/healthz")" = 200 ]'
ip link del $GONE
# on a veth the default hook counts received frames at TC: its link taken
rm /sys/fs/bpf/tapio/$PINRM/tc_in_link
wait_until 5 '[ "$(grep -c "is gone\|was detached" "$D/lost.err")" = 2 ]'
expect_eq "a deleted interface is noticed and logged" \
	"$(grep -c "$GONE: the interface is gone" "$D/lost.err")" 1
expect_eq "a TC ingress program taken away is noticed and logged" \
	"$(grep -c "$PINRM: tapio_tc was detached from ingress by another process" "$D/lost.err")" 1
# /healthz is published after the interval that logged them
wait_until 5 'curl -s "127.0.0.1:$PORT/healthz" >"$D/lost.health"; grep -q "$PINRM: tapio_tc" "$D/lost.health"'
expect_eq "/healthz names both" \
	"$(grep -c "$GONE: the interface is gone.*$PINRM: tapio_tc was detached" "$D/lost.health")" 1
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 4900 --count 300 \
	--dst "$TESTENV_IP4_HOST" --dport 9770 --size 10 >/dev/null
kill -TERM $RUN
wait $RUN
BG_PIDS=
expect_eq "the other device is still collected" "$(flow_sum "$J" packets '.dst_port == 9770')" 300
S=$(grep '^{"summary"' "$D/lost.err")
expect_eq "the summary counts the lost devices" "$(jq .summary.devices_lost <<<"$S")" 2
expect_eq "and is not exact" "$(jq .summary.exact <<<"$S")" false
expect_eq "nothing of ours is left on the pinned device" \
	"$(test -e /sys/fs/bpf/tapio/$PINRM && echo left || echo gone)" gone
ip link del $PINRM
# the same for XDP and for TC egress, one run each
for hook in xdp:xdp_link tc:tc_link; do
	ip link add $GONE type veth peer name ${GONE}p && ip link set $GONE up || fail "veth"
	"$TAPIO" run $GONE --hook ${hook%%:*} --interval 0.1 --socket none --metrics none \
		>/dev/null 2>"$D/lost2.err" &
	RUN=$!
	BG_PIDS=$RUN
	wait_ready "$D/lost2.err"
	rm /sys/fs/bpf/tapio/$GONE/${hook#*:}
	wait_until 5 'grep -q "was detached" "$D/lost2.err"'
	kill -TERM $RUN
	wait $RUN
	BG_PIDS=
	grep -o "$GONE: tapio_[a-z]* was detached[a-z ]*by another process" "$D/lost2.err" >>"$D/lost2.said"
	ip link del $GONE
done
expect_eq "an XDP program and a TC egress one taken away are each noticed" \
	"$(sed "s/$GONE/DEV/" "$D/lost2.said" | tr '\n' ';')" \
	"DEV: tapio_xdp was detached by another process;DEV: tapio_tc was detached from egress by another process;"

# --- a full disk ----------------------------------------------------------
mkdir "$D/full"
mount -t tmpfs -o size=64k tmpfs "$D/full" || fail "tmpfs"
"$TAPIO" run "$DEV" --interval 0.1 --idle-timeout 0.2 --json-file "$D/full/flows.json" \
	--socket none --metrics "127.0.0.1:$PORT" >/dev/null 2>"$D/full.err" &
RUN=$!
BG_PIDS=$RUN
wait_until 5 'curl -sf "127.0.0.1:$PORT/metrics" >/dev/null'
nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport 20000 --flows 2000 --count 1 \
	--dst "$TESTENV_IP4_HOST" --dport 9800 --size 10 >/dev/null
# one answer, code and text: a later flush may fit in the space a cut-off
# line freed, and the sink is healthy again (a clean-clone run saw that)
wait_until 5 '[ "$(curl -s -o "$D/full.health" -w "%{http_code}" "127.0.0.1:$PORT/healthz")" = 503 ] &&
	grep -q "json: writing" "$D/full.health"'
expect_eq "/healthz says the sink fails" "$(grep -c 'json: writing .*No space left' "$D/full.health")" 1
kill -TERM $RUN
wait $RUN
BG_PIDS=
S=$(grep '^{"summary"' "$D/full.err")
lines=$(grep -c '' "$D/full/flows.json")
expect_eq "the file holds whole lines only" "$(jq -c . "$D/full/flows.json" 2>/dev/null | grep -c '')" "$lines"
expect_eq "and ends with a newline" "$(tail -c 1 "$D/full/flows.json" | od -An -c | tr -d ' ')" '\n'
expect_eq "lines written as the summary says" "$(jq .summary.json_lines <<<"$S")" "$lines"
expect_eq "written + lost == exported" \
	"$(( $(jq .summary.json_lines <<<"$S") + $(jq .summary.json_errors <<<"$S") ))" \
	"$(jq .summary.exported_flows <<<"$S")"
expect_range "lines lost are counted" "$(jq .summary.json_errors <<<"$S")" 1 2000
expect_eq "the summary is not exact" "$(jq .summary.exact <<<"$S")" false
umount "$D/full"
finish
