#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Probe filter rules while `tapio run` runs (`tapio filter add --probe`):
# by a pid and its children, a uid, a network namespace and a cgroup, each
# with exact events sent and exact hits; rules changed under an exec loop
# lose nothing and count nothing twice; bad rules are refused by name.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || skip "jq missing"
command -v setpriv >/dev/null || skip "setpriv missing (util-linux)"

D=$(mktemp -d)
PORT=$((20000 + RANDOM % 10000))
NS=tapio-pf-$$
CGROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
OWN_CG=
if [ -z "$CGROOT" ]; then
	CGROOT=$D/cg
	mkdir "$CGROOT" && mount -t cgroup2 none "$CGROOT" && OWN_CG=$CGROOT
fi
CG=$CGROOT/tapio-test-pf-$$
cleanup() {
	kill $BG_PIDS 2>/dev/null
	wait $BG_PIDS 2>/dev/null
	rmdir "$CG" 2>/dev/null
	[ -n "$OWN_CG" ] && umount "$OWN_CG"
	ip netns del "$NS" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
N=200
# a sample's value; its labels may hold spaces (a rule's words)
metric() { curl -s "127.0.0.1:$PORT/metrics" | grep -F "$1 " | grep -v "^#" | awk '{print $NF}'; }
filter() { "$TAPIO" filter "$@" --socket "$D/ctl.sock"; }
# the id of the rule an add printed ("filter 3 added on exec: ...")
add() { filter add "$@" | awk '{print $2}'; }
hits() { filter list --json | jq -r "select(.id == $1) | .hits"; }
ev() { jq -c "$1" "$D/events.json" | wc -l; }
execs_of() { ev "select(.type == \"exec\" and .filename == \"$D/$1\")"; }
exits_of() { ev "select(.type == \"exit\" and .comm == \"$1\")"; }
# each event sent reaches the file within a ring read and a write
settle() { wait_until 5 "[ \"\$(execs_of $1)\" = $2 ]"; }

for b in pf-kid pf-other pf-uid pf-ns pf-host pf-cg pf-loop; do cp /bin/true "$D/$b"; done
: >"$D/err"
"$TAPIO" run --probes exec,tcp --interval 0.2 --socket "$D/ctl.sock" \
	--metrics "127.0.0.1:$PORT" --json-file "$D/events.json" 2>"$D/err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/err" || fail "not ready: $(head -3 "$D/err")"
wait_until 5 '[ -n "$(metric tapio_probe_filters)" ]' || fail "no /metrics"
expect_eq "no rules at start" "$(metric tapio_probe_filters)" 0

# 1. a pid and its children: a shell that waits, then forks and execs N
# times.  Each run is judged twice, at the fork (the shell: listed) and at
# the exec (its child: a child of a listed pid), so the rule hits 2N.
mkfifo "$D/go"
bash -c 'read -r _ <"$1"; for ((i = 0; i < $2; i++)); do "$3"; done' _ "$D/go" $N "$D/pf-kid" &
P=$!
R1=$(add --probe exec include pid $P children)
expect_eq "rule 1 added" "$R1" 1
for i in $(seq 1 50); do "$D/pf-other"; done
echo go >"$D/go"
wait $P
settle pf-kid $N
expect_eq "include pid $P children: its children's $N execs sent" "$(execs_of pf-kid)" $N
expect_eq "and their $N exits" "$(exits_of pf-kid)" $N
expect_eq "nothing of another tree" "$(execs_of pf-other)" 0
expect_eq "the rule hit every fork and exec of the tree: 2N" "$(hits "$R1")" $((2 * N))
expect_range "what it left out, counted as filtered: 50 forks and execs of ours and the host's" \
	"$(metric 'tapio_probe_filtered_total{probe="exec"}')" 100 100000
wait_until 3 "[ -n \"\$(metric 'tapio_probe_filter_hits_total{rule=\"$R1\",probe=\"exec\",filter=\"include pid $P children\"}')\" ]"
expect_eq "/metrics: the rule's hits" \
	"$(metric "tapio_probe_filter_hits_total{rule=\"$R1\",probe=\"exec\",filter=\"include pid $P children\"}")" $((2 * N))
filter del "$R1" >/dev/null
wait_until 3 '[ "$(metric tapio_probe_filters)" = 0 ]'
expect_eq "deleted: no rules" "$(metric tapio_probe_filters)" 0

# 2. a uid, left out: setpriv (root) is sent, what it runs as nobody not;
# the rule judges only the exec of pf-uid (the fork is root's)
R2=$(add --probe exec exclude uid nobody)
expect_eq "the next id" "$R2" 2
for i in $(seq 1 $N); do setpriv --reuid 65534 --regid 65534 --clear-groups "$D/pf-uid"; done
for i in $(seq 1 $N); do "$D/pf-host"; done
settle pf-host $N
expect_eq "exclude uid nobody: none of pf-uid's $N execs" "$(execs_of pf-uid)" 0
expect_eq "nor exits (setpriv's exec was sent; the process is left out from its next)" "$(exits_of pf-uid)" 0
expect_eq "root's execs all sent" "$(execs_of pf-host)" $N
expect_eq "the rule hit each exec as nobody" "$(hits "$R2")" $N
filter del "$R2" >/dev/null

# 3. a network namespace by name: only what runs in it
ip netns add "$NS"
R3=$(add --probe exec include netns "$NS")
for i in $(seq 1 $N); do ip netns exec "$NS" "$D/pf-ns"; "$D/pf-host"; done
wait_until 5 "[ \"\$(execs_of pf-ns)\" = $N ]"
expect_eq "include netns $NS: its $N execs sent" "$(execs_of pf-ns)" $N
expect_eq "none of the host's" "$(execs_of pf-host)" $N
expect_eq "the rule hit each exec in it" "$(hits "$R3")" $N
filter del "$R3" >/dev/null

# 4. a cgroup by path, left out: a shell moved into it forks and execs N
# times (2N hits); the host's execs go on
if mkdir "$CG"; then
	R4=$(add --probe all exclude cgroup "$CG")
	bash -c 'echo $$ >"$1/cgroup.procs"; for ((i = 0; i < $2; i++)); do "$3"; done' _ "$CG" $N "$D/pf-cg"
	for i in $(seq 1 10); do "$D/pf-host"; done
	settle pf-host $((N + 10))
	expect_eq "exclude cgroup: none of its $N execs" "$(execs_of pf-cg)" 0
	expect_eq "the rule (on all: exec) hit 2N" "$(hits "$R4")" $((2 * N))
	expect_eq "listed on all" "$(filter list --json | jq -r "select(.id == $R4) | .on")" all
	filter del "$R4" >/dev/null
else
	fail "cannot make cgroup $CG"
fi

# 5. changes under load: a loop of execs as nobody while a rule leaving
# them out comes and goes 20 times.  Only the exec is judged (the fork is
# root's), so each is either sent or filtered, once.
K=1500
F0=$(metric 'tapio_probe_filtered_total{probe="exec"}')
bash -c 'for ((i = 0; i < $1; i++)); do setpriv --reuid 65534 --regid 65534 --clear-groups "$2"; done' _ $K "$D/pf-loop" &
L=$!
BG_PIDS="$RUN $L"
for i in $(seq 1 20); do
	R=$(add --probe exec exclude uid 65534)
	sleep 0.0$((RANDOM % 9 + 1))
	filter del "$R" >/dev/null
	sleep 0.0$((RANDOM % 9 + 1))
done
wait $L
BG_PIDS=$RUN
SENT=$(execs_of pf-loop)
wait_until 5 "[ \"\$(execs_of pf-loop)\" = \"\$(exits_of pf-loop)\" ]"
sleep 0.5 # a snapshot after the loop's last exec
F1=$(metric 'tapio_probe_filtered_total{probe="exec"}')
SENT=$(execs_of pf-loop)
expect_range "some execs left out while a rule was on, some sent" "$SENT" 1 $((K - 1))
expect_eq "sent + filtered = the $K execs: none lost or counted twice by 40 changes" \
	"$((SENT + F1 - F0))" $K
expect_eq "each exec sent has its exit" "$(exits_of pf-loop)" "$SENT"

# 6. what is refused, by name
expect_fail "a dimension both ways on one probe" "refused: rule [0-9]+ excludes by uid on the same probe" \
	sh -c "'$TAPIO' filter add --probe exec exclude uid 0 --socket '$D/ctl.sock' >/dev/null && \
		'$TAPIO' filter add --probe exec include uid 1 --socket '$D/ctl.sock'"
expect_fail "the same value twice" "refused: rule [0-9]+ lists that uid already" \
	"$TAPIO" filter add --probe exec exclude uid 0 --socket "$D/ctl.sock"
expect_fail "children on tcp (judged by the opener)" "refused: the tcp probe does not judge events by pid with children" \
	"$TAPIO" filter add --probe tcp include pid 1 children --socket "$D/ctl.sock"
expect_fail "a dimension tcp does not have" "refused: the tcp probe does not judge events by uid" \
	"$TAPIO" filter add --probe tcp exclude uid 5 --socket "$D/ctl.sock"
expect_fail "a probe that does not run" "refused: the bio probe does not run" \
	"$TAPIO" filter add --probe bio exclude dev 7:0 --socket "$D/ctl.sock"
expect_fail "no probe of that name" "refused: 'disk' is no probe" \
	"$TAPIO" filter add --probe disk exclude uid 1 --socket "$D/ctl.sock"
expect_fail "an unknown user" "filter: uid 'no-such-user-pf': not found" \
	"$TAPIO" filter add --probe exec exclude uid no-such-user-pf --socket "$D/ctl.sock"
expect_fail "two values in one rule" "filter: unexpected '2': a rule lists one value" \
	"$TAPIO" filter add --probe exec exclude uid 1 2 --socket "$D/ctl.sock"
expect_fail "an unknown dimension" "filter: unknown probe rule word 'gid'" \
	"$TAPIO" filter add --probe exec exclude gid 1 --socket "$D/ctl.sock"
expect_fail "--probe with list" "filter: --probe names the probe of a rule to add" \
	"$TAPIO" filter list --probe exec --socket "$D/ctl.sock"
expect_fail "a rule id no one has" "refused: no filter rule 999" \
	"$TAPIO" filter del 999 --socket "$D/ctl.sock"
expect_eq "each change logged" "$(grep -c 'control: probe filter' "$D/err")" \
	$(((4 + 20 + 1) * 2 - 1))

kill -TERM $RUN
wait $RUN
expect_eq "exits 0" "$?" 0
BG_PIDS=
expect_eq "no error logged" "$(grep -c '^tapio: error' "$D/err")" 0
finish
