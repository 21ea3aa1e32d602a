#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tapio run` settings: the file (libinih), then TAPIO_* variables, then
# flags; a bad file is refused naming file, line and key.
. "$(dirname "$0")/../lib.sh"
require_root
command -v curl >/dev/null || skip "curl not installed"

use_testenv conf --ipv4-only
DEV=$TESTENV_DEV
D=$(mktemp -d)
EXTRA_CLEANUP='rm -rf "$D"'
P1=$((20000 + RANDOM % 10000)) P2=$((P1 + 1)) P3=$((P1 + 2))

cat >"$D/tapio.conf" <<CONF
; tapio run settings for this test
[run]
interfaces = $DEV
interval = 0.1
idle_timeout = 0.3
metrics = 127.0.0.1:$P1
socket = $D/tapio.sock
CONF

# serves_on PORT ENV-ASSIGNMENT [FLAGS...]: does a run so configured answer
# /healthz on PORT?
serves_on() {
	local port=$1 assign=$2 code=000
	shift 2
	env $assign "$TAPIO" run --config "$D/tapio.conf" --duration 1.5 "$@" >/dev/null 2>"$D/err" &
	local pid=$!
	for _ in $(seq 30); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port/healthz")
		[ "$code" = 200 ] && break
		sleep 0.1
	done
	wait $pid
	echo "$code"
}
expect_eq "the file alone: its interface, its metrics port" "$(serves_on $P1 TAPIO_NOTHING=1)" 200
expect_eq "TAPIO_METRICS overrides the file" "$(serves_on $P2 TAPIO_METRICS=127.0.0.1:$P2)" 200
expect_eq "a flag overrides the environment" \
	"$(serves_on $P3 TAPIO_METRICS=127.0.0.1:$P2 --metrics 127.0.0.1:$P3)" 200
expect_eq "nothing left attached" "$(test -e "/sys/fs/bpf/tapio/$DEV" && echo left || echo gone)" gone

# SIGHUP reloads the file: a shorter idle timeout ends a flow that the old
# one kept; a broken file keeps the old settings; no count is lost
cat >"$D/hup.conf" <<CONF
[run]
interfaces = $DEV
interval = 0.1
idle_timeout = 30
metrics = none
socket = $D/hup.sock
CONF
"$TAPIO" run --config "$D/hup.conf" >"$D/hup.jsonl" 2>"$D/hup.err" &
RUN=$!
BG_PIDS=$RUN
wait_ready "$D/hup.err"
udp() { nsexec "$PKTSEND" udp --src "$TESTENV_IP4_NS" --sport "$1" --count "$2" \
	--dst "$TESTENV_IP4_HOST" --dport 9700 --size 10 >/dev/null; }
udp 7000 50
sleep 0.6
expect_eq "idle timeout 30 s: the flow is still open" \
	"$(jq -s '[.[] | select(.dst_port == 9700)] | length' "$D/hup.jsonl")" 0
sed -i 's/idle_timeout = 30/idle_timeout = 0.2/' "$D/hup.conf"
kill -HUP $RUN
sleep 1
expect_eq "after SIGHUP (idle 0.2 s) the flow ended idle with its 50 packets" \
	"$(jq -r 'select(.dst_port == 9700) | "\(.packets) \(.end_reason)"' "$D/hup.jsonl")" "50 idle"
expect_eq "reload reported" "$(grep -c '"idle_timeout_s":0.200' "$D/hup.err")" 1
echo 'bogus = 1' >>"$D/hup.conf"
kill -HUP $RUN
sleep 0.5
expect_eq "a broken file on SIGHUP: named, old settings kept" \
	"$(grep -c "hup.conf:7: unknown key 'bogus'" "$D/hup.err")" 1
expect_eq "and the collector still runs" "$(kill -0 $RUN 2>/dev/null && echo running)" running
udp 7001 20
sleep 0.6
kill -TERM $RUN
wait $RUN
BG_PIDS=
expect_eq "no count lost across reloads (70 packets)" \
	"$(jq -s '[.[] | select(.dst_port == 9700) | .packets] | add' "$D/hup.jsonl")" 70

printf '[run]\ninterval = 1\nintervall = 2\n' >"$D/typo.conf"
expect_fail "unknown key: file, line and key" "typo.conf:3: unknown key 'intervall'" \
	"$TAPIO" run --config "$D/typo.conf"
printf '[run]\nidle_timeout = soon\n' >"$D/value.conf"
expect_fail "bad value: file, line and key" "value.conf:2: invalid idle_timeout 'soon'" \
	"$TAPIO" run --config "$D/value.conf"
printf '[collector]\ninterval = 1\n' >"$D/section.conf"
expect_fail "unknown section" "section.conf:2: unknown section \\[collector\\]" \
	"$TAPIO" run --config "$D/section.conf"
printf '[run]\nhugepages = maybe\n' >"$D/bool.conf"
expect_fail "bad boolean" "bool.conf:2: invalid hugepages 'maybe'" "$TAPIO" run --config "$D/bool.conf"
expect_fail "unreadable file" "cannot read config file $D/missing.conf" \
	"$TAPIO" run --config "$D/missing.conf"
# files that are not settings files: refused at once, never read forever
expect_fail "a directory as the file" "cannot read config file $D: it is a directory" \
	"$TAPIO" run --config "$D"
expect_fail "a device as the file" "cannot read config file /dev/zero: not a regular file" \
	timeout 5 "$TAPIO" run --config /dev/zero
mkfifo "$D/fifo"
expect_fail "a FIFO as the file" "cannot read config file $D/fifo: not a regular file" \
	timeout 5 "$TAPIO" run --config "$D/fifo"
printf 'interval = 1\n[run]\n' >"$D/nosection.conf"
expect_fail "a key outside [run]" "nosection.conf:1: key 'interval' is outside the \\[run\\] section" \
	"$TAPIO" run --config "$D/nosection.conf"
printf '[run]\ninterval = 1\nidle_timeout = 5\ninterval = 2\n' >"$D/twice.conf"
expect_fail "a key set twice" "twice.conf:4: key 'interval' is set twice" \
	"$TAPIO" run --config "$D/twice.conf"
printf '[run]\ninterval = 1\000 2\n' >"$D/nul.conf"
expect_fail "a NUL byte" 'nul.conf:2: control byte \\x00' "$TAPIO" run --config "$D/nul.conf"
printf '[run]\n\033[31mred = 1\n' >"$D/esc.conf"
expect_fail "an escape sequence is named, not sent to the terminal" 'esc.conf:2: control byte \\x1b' \
	"$TAPIO" run --config "$D/esc.conf"
printf '[run]\n\377\376 = 1\n' >"$D/bytes.conf"
expect_fail "other bytes are shown escaped" "bytes.conf:2: unknown key '.xff.xfe'" \
	"$TAPIO" run --config "$D/bytes.conf"
expect_fail "bad environment value" "environment TAPIO_IDLE_TIMEOUT: invalid idle_timeout 'x'" \
	env TAPIO_IDLE_TIMEOUT=x "$TAPIO" run "$DEV"

# Logs: a level floor, and JSON objects for machines.  A metrics address
# that is not local gives one warning; attaching gives info lines.
logrun() {
	"$TAPIO" run "$DEV" --socket "$D/log.sock" --duration 0.5 \
		--metrics 192.0.2.1:9 "$@" >/dev/null 2>"$D/log.err"
}
logrun --log-format json
expect_eq "--log-format json: every stderr line is a JSON object" \
	"$(jq -c 'type' "$D/log.err" 2>&1 | sort -u)" '"object"'
expect_eq "json: attaching logged at info" \
	"$(jq -r "select(.level == \"info\") | .msg" "$D/log.err" | grep -c "attached tapio_tc to $DEV ingress")" 1
expect_eq "json: the metrics failure is a warning" \
	"$(jq -r 'select(.level == "warn") | .msg' "$D/log.err" | grep -c 'collecting without /metrics')" 1
expect_eq "json: each line has an RFC 3339 time in UTC" \
	"$(jq -r 'select(.level) | .time' "$D/log.err" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$')" 0
TAPIO_LOG_LEVEL=warn logrun
expect_eq "TAPIO_LOG_LEVEL=warn: no info line, the warning kept" \
	"$(grep -c 'attached tapio_' "$D/log.err") $(grep -c 'warning: collecting without /metrics' "$D/log.err")" "0 1"
logrun --log-level error --log-format json
expect_eq "--log-level error: only the error (cannot serve metrics), no info or warning" \
	"$(jq -r 'select(.level) | .level' "$D/log.err" | sort -u | tr '\n' ' ')" "error "
expect_fail "bad --log-format named" "invalid --log-format 'xml'" \
	"$TAPIO" run "$DEV" --log-format xml
printf '[run]\nlog_level = loud\n' >"$D/level.conf"
expect_fail "bad log_level in the file: file, line and key" "level.conf:2: invalid log_level 'loud'" \
	"$TAPIO" run --config "$D/level.conf"
expect_eq "a bad file is reported as JSON too when asked" \
	"$("$TAPIO" run --log-format json --config "$D/typo.conf" 2>&1 | jq -r '"\(.level) \(.msg)"')" \
	"error $D/typo.conf:3: unknown key 'intervall'"

# The shipped example is the table's: every file key with its default
"$TAPIO" run --print-config >"$D/example.conf"
expect_eq "scripts/tapio.conf is what --print-config writes" \
	"$(diff "$D/example.conf" "$ROOT/scripts/tapio.conf" >/dev/null && echo same || echo differs)" same
# every option of --help but the four that are flags only (--duration,
# --config, --print-config, --ipfix-tcp)
expect_eq "every file key is in it" \
	"$(grep -c '^;[a-z_]* =' "$D/example.conf")" \
	"$(("$("$TAPIO" run --help | grep -cE '^  (-[a-zA-Z],|   ) --[a-z]')" - 4))"
sed 's/^;\(interfaces =\)$/\1 '"$DEV"'/; s/^;\(metrics =\).*/\1 none/; s/^;\(socket =\).*/\1 none/' \
	"$D/example.conf" >"$D/uncommented.conf"
sed -i 's/^;\([a-z_]* = .\)/\1/' "$D/uncommented.conf"
"$TAPIO" run --config "$D/uncommented.conf" --duration 0.3 >/dev/null 2>"$D/example.err"
expect_eq "the example with every default set runs" "$?" 0

finish
