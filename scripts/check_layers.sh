#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The dependency direction of userspace/: cmd -> run -> export -> lib.
# Fails, naming file and line, on an include that points the other way.
cd "$(dirname "$0")/.." || exit 1
rc=0
# check DIR FORBIDDEN...: no file of DIR includes a header of FORBIDDEN
check() {
	local dir=$1 bad
	shift
	for f in "$@"; do
		bad=$(grep -Hn "#include \"$f/" userspace/"$dir"/*.[ch] 2>/dev/null)
		if [ -n "$bad" ]; then
			echo "$bad"
			echo "layers: userspace/$dir/ must not include $f/"
			rc=1
		fi
	done
}
check lib cmd run export
check export cmd run
check run cmd
# every include of a userspace header names its directory
bad=$(grep -Hn '#include "[a-z_]*\.h"' userspace/*/*.[ch] | grep -v 'skel\.h\|flow_parse\.h')
if [ -n "$bad" ]; then
	echo "$bad"
	echo "layers: include userspace headers as \"DIR/name.h\""
	rc=1
fi
exit $rc
