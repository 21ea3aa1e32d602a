#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Exec probe: exactly 1000 execs with their arguments and parent, 1000
# exits, one failed exec, under each tracepoint flavour; cgroup filtering.
. "$(dirname "$0")/../lib.sh"
require_root

J=$(mktemp)
# A cgroup v2 directory: under the unified mount, or on one of our own
# when the host runs cgroup v1 only.
CGROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
OWN_CG=
if [ -z "$CGROOT" ]; then
	CGROOT=$(mktemp -d)
	mount -t cgroup2 none "$CGROOT" || fail "cannot mount cgroup2"
	OWN_CG=$CGROOT
fi
CG=$CGROOT/tapio-test-exec-$$
trap 'kill $BG_PIDS 2>/dev/null; rmdir $CG 2>/dev/null; [ -n "$OWN_CG" ] && umount "$OWN_CG" && rmdir "$OWN_CG"; rm -f $J $J.*' EXIT
N=1000

# The loop's shell is the parent of every exec; its pid goes to $J.pid.
exec_loop() {
	bash -c 'echo $$ >"$1"; for i in $(seq '"$N"'); do /bin/true tapio-exec-probe "$i" x; done; /nonexistent/tapio-missing 2>/dev/null; true' _ "$J.pid"
}

for m in $TRACE_METHODS; do
	trace_start "$J.$m" exec --method "$m" --json || continue
	exec_loop
	trace_stop
	ppid=$(cat "$J.pid")
	ours="select(.type == \"exec\" and .args[1] == \"tapio-exec-probe\")"
	expect_eq "$m: exactly $N exec events" "$(jq -s "[.[] | $ours] | length" "$J.$m")" $N
	expect_eq "$m: every one a child of the loop (ppid $ppid)" \
		"$(jq -s --argjson p "$ppid" "[.[] | $ours | select(.ppid == \$p and .filename == \"/bin/true\")] | length" "$J.$m")" $N
	expect_eq "$m: arguments exact (1..$N once each)" \
		"$(jq -s "[.[] | $ours | select((.args | length) == 4 and .args[3] == \"x\") | .args[2] | tonumber] | unique | [length, add]" -c "$J.$m")" "[$N,$((N * (N + 1) / 2))]"
	expect_eq "$m: $N exits with code 0, each of an exec'd pid" \
		"$(jq -s "([.[] | $ours | .pid]) as \$p | [.[] | select(.type == \"exit\" and .exit_code == 0 and (.pid as \$x | \$p | index(\$x)))] | length" "$J.$m")" $N
	expect_eq "$m: the missing binary is one failed exec (ENOENT)" \
		"$(jq -s '[.[] | select(.type == "exec_failed" and .filename == "/nonexistent/tapio-missing" and .errno == 2)] | length' "$J.$m")" 1
	expect_eq "$m: no event lost" "$(summary_field "$J.$m" events_lost)" 0
	expect_eq "$m: every ring record printed (none malformed or too long)" \
		"$(summary_field "$J.$m" events_malformed) $(summary_field "$J.$m" events_too_long)" "0 0"
	expect_eq "$m: every counted exec was received" \
		"$(jq -s '[.[] | select(.type == "exec")] | length' "$J.$m")" "$(summary_field "$J.$m" exec)"
done

# Exec from a thread that is not the leader: the kernel kills the old
# leader (de_thread), which exits with the process's pid; that is not the
# process ending.  20 such execs: 20 exec events, 20 exits, no more.
TE=20
thread_execs() {
	for i in $(seq $TE); do
		python3 -c 'import os, sys, threading
t = threading.Thread(target=lambda: os.execv("/bin/true", ["/bin/true", "tapio-thread-exec", sys.argv[1]]))
t.start(); t.join()' "$i"
	done
}
for m in $TRACE_METHODS; do
	trace_start "$J.t$m" exec --method "$m" --json || continue
	thread_execs
	trace_stop
	ours='select(.type == "exec" and .args[1] == "tapio-thread-exec")'
	expect_eq "$m: $TE execs from a non-leader thread" "$(jq -s "[.[] | $ours] | length" "$J.t$m")" $TE
	expect_eq "$m: one exit each, none for the killed old leader" \
		"$(jq -s "([.[] | $ours | .pid]) as \$p | [.[] | select(.type == \"exit\" and (.pid as \$x | \$p | index(\$x)))] | length" "$J.t$m")" $TE
done

# Arguments that are not UTF-8 or hold control bytes: every line stays
# valid UTF-8 JSON for a strict parser, the bytes shown as U+FFFD/\u00XX.
trace_start "$J.u" exec --json
/bin/true tapio-exec-bytes $'\xff\xfe' $'a\x01b' $'\xc3\xa9t\xc3\xa9'
trace_stop
expect_eq "non-UTF-8 arguments: strict UTF-8 JSON, escaped as documented" \
	"$(python3 -c '
import json, sys
for raw in open(sys.argv[1], "rb"):
    e = json.loads(raw.decode("utf-8", "strict"))
    if e.get("type") == "exec" and e["args"][1:2] == ["tapio-exec-bytes"]:
        print(json.dumps(e["args"][2:], ensure_ascii=True))' "$J.u")" '["\ufffd\ufffd", "a\u0001b", "\u00e9t\u00e9"]'

# Cgroup filter: only the loop, moved into a cgroup, is reported; 50 execs
# run outside it at the same time are counted as filtered.
mkdir "$CG" || fail "cannot create $CG"
trace_start "$J.cg" exec --cgroup "$CG" --json
( for i in $(seq 50); do /bin/true tapio-exec-noise; done ) &
noise=$!
bash -c 'echo $$ >"$1/cgroup.procs"; for i in $(seq 100); do /bin/true tapio-exec-probe $i; done' _ "$CG"
wait $noise
trace_stop
expect_eq "cgroup filter: the 100 execs inside are reported" \
	"$(jq -s '[.[] | select(.type == "exec" and .args[1] == "tapio-exec-probe")] | length' "$J.cg")" 100
expect_eq "cgroup filter: none of the 50 outside" \
	"$(jq -s '[.[] | select(.args[1]? == "tapio-exec-noise")] | length' "$J.cg")" 0
expect_range "cgroup filter: the excluded ones are counted" "$(summary_field "$J.cg" filtered)" 50 100000
expect_fail "a cgroup that does not exist is refused" "trace: --cgroup .*tapio-no-such-cgroup.: not found" \
	"$TAPIO" trace exec --cgroup "$CGROOT/tapio-no-such-cgroup"
expect_fail "a directory outside cgroup v2 is refused" "not a cgroup v2" \
	"$TAPIO" trace exec --cgroup /tmp
expect_fail "include and exclude together are refused" "include and exclude" \
	"$TAPIO" trace exec --pid 1 --exclude-pid 2
expect_fail "an option of another probe is refused" "does not apply" \
	"$TAPIO" trace exec --queued
finish
