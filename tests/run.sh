#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs every suite of `make test`: cmocka unit tests, BPF_PROG_TEST_RUN tests
# and the root-only integration tests; ends with one summary line.
cd "$(dirname "$0")/.." || exit 1
PASSED=0
FAILED=0
SKIPPED=0
FAILED_SUITES=()
SUITE_TIMEOUT=${SUITE_TIMEOUT:-600}

count() { grep -cE "$1" <<<"$2"; }

# run_suite NAME KIND CMD...: KIND is cmocka or script
run_suite() {
	local name=$1 kind=$2 out rc p f
	shift 2
	echo "=== $name"
	out=$(timeout "$SUITE_TIMEOUT" "$@" 2>&1)
	rc=$?
	echo "$out"
	if [ "$rc" -eq 77 ] || { [ "$kind" = cmocka ] && grep -q '^SKIP:' <<<"$out"; }; then
		SKIPPED=$((SKIPPED + 1))
		echo "--- $name: skipped"
		return
	fi
	if [ "$kind" = cmocka ]; then
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	else
		p=$(count '^PASS: ' "$out")
		f=$(count '^FAIL: ' "$out")
	fi
	p=${p:-0}
	f=${f:-0}
	# a crash or timeout without a failed assertion still fails the suite
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "--- $name exited with status $rc"
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	[ "$f" -gt 0 ] && FAILED_SUITES+=("$name")
	echo "--- $name: $p ok, $f not ok"
}

# Style is part of the test: clang-format and cppcheck must stay clean.
LINT='if out=$(make --no-print-directory lint 2>&1); then
	echo "PASS: clang-format and cppcheck clean"
else
	echo "$out" | tail -20
	echo "FAIL: make lint"
fi'
command -v cppcheck >/dev/null && command -v clang-format >/dev/null &&
	git rev-parse --git-dir >/dev/null 2>&1 && run_suite lint script bash -c "$LINT"
for t in build/tests/test_*; do
	[ -x "$t" ] && [ "${t%.d}" = "$t" ] || continue # not -MMD's .d files
	run_suite "unit/$(basename "$t")" cmocka "$t"
done
run_suite prog_run cmocka build/tests/prog_run
# the fuzzers, 15 s each here (make fuzz runs them longer)
run_suite fuzz script env FUZZ_SECONDS="${FUZZ_SECONDS:-15}" tests/fuzz/run.sh
[ "$(id -u)" = 0 ] && testenv/testenv.sh teardown --all >/dev/null 2>&1
# the tapio of a build without DPDK, where make test built one
[ -x build/nodpdk/tapio ] && export TAPIO_NODPDK=$PWD/build/nodpdk/tapio
for t in tests/integration/test_*.sh; do
	run_suite "integration/$(basename "$t" .sh)" script bash "$t"
done
# the kernel path of the build without DPDK, on the exact-flows suite
[ -n "${TAPIO_NODPDK:-}" ] &&
	run_suite integration/test_flows_nodpdk script env TAPIO="$TAPIO_NODPDK" \
		bash tests/integration/test_flows.sh

echo
[ ${#FAILED_SUITES[@]} -gt 0 ] && echo "failed suites: ${FAILED_SUITES[*]}"
if [ "$SKIPPED" -gt 0 ] && [ "${CI:-}" = true ]; then
	echo "CI: $SKIPPED suite(s) skipped; in CI every suite must run"
	FAILED=$((FAILED + SKIPPED))
fi
echo "summary: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
