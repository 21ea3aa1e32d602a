#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Block and page-cache probes on a loop device of our own: exact O_DIRECT
# counts, bytes and histograms; cold/warm reads and dirtied pages through
# an ext4 on it; each under every tracepoint flavour.
. "$(dirname "$0")/../lib.sh"
require_root
command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null || skip "losetup/mkfs.ext4 missing"

J=$(mktemp)
IMG=$(mktemp /tmp/tapio-probe-XXXX.img)
MNT=$(mktemp -d)
LOOP=
cleanup() {
	kill $BG_PIDS 2>/dev/null
	mountpoint -q "$MNT" && umount "$MNT"
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	rm -rf "$J" "$J".* "$IMG" "$MNT"
}
trap cleanup EXIT
truncate -s 64M "$IMG"
LOOP=$(losetup --find --show "$IMG") || { fail "losetup"; finish; exit 1; }
DISK=$(basename "$LOOP")
NW=24 WSZ=65536 NR=17 RSZ=16384

for m in $TRACE_METHODS; do
	trace_start "$J.$m" bio --method "$m" --dev "$LOOP" --json || continue
	dd if=/dev/zero of="$LOOP" bs=$WSZ count=$NW oflag=direct status=none
	dd if="$LOOP" of=/dev/null bs=$RSZ count=$NR iflag=direct status=none
	trace_stop
	row() { jq -r --arg op "$1" --arg d "$DISK" "select(.type == \"bio\" and .disk == \$d and .op == \$op) | $2" "$J.$m"; }
	expect_eq "$m: $NW O_DIRECT writes" "$(row write .ios)" $NW
	expect_eq "$m: write bytes = $NW x $WSZ" "$(row write .bytes)" $((NW * WSZ))
	expect_eq "$m: $NR O_DIRECT reads" "$(row read .ios)" $NR
	expect_eq "$m: read bytes = $NR x $RSZ" "$(row read .bytes)" $((NR * RSZ))
	expect_eq "$m: every write latency in the histogram" "$(row write '.device_us | add')" $NW
	expect_eq "$m: every read latency in the histogram" "$(row read '.device_us | add')" $NR
	expect_eq "$m: in flight back to 0" "$(row write .in_flight)" 0
	expect_eq "$m: no completion taken as lost" "$(row write .lost_completions)" 0
	expect_eq "$m: no completion without its start" "$(summary_field "$J.$m" missed_start)" 0
	expect_eq "$m: no other device reported" "$(jq -s --arg d "$DISK" '[.[] | select(.type == "bio" and .disk != $d)] | length' "$J.$m")" 0
done

# Flushes: NF fsyncs of one written page each.  Each is a write, a flush
# request, and the empty PREFLUSH write the flush machinery completes
# without issuing it; /sys/block's stat is the reference for all three.
NF=7
stat_field() { awk -v i="$1" '{print $i}' "/sys/block/$DISK/stat"; }
for m in $TRACE_METHODS; do
	trace_start "$J.f$m" bio --method "$m" --dev "$LOOP" --json || continue
	w0=$(stat_field 5) f0=$(stat_field 16)
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
for i in range(int(sys.argv[2])):
    os.pwrite(fd, b"f" * 4096, i * 4096); os.fsync(fd)' "$LOOP" $NF
	w1=$(stat_field 5) f1=$(stat_field 16)
	trace_stop
	row() { jq -r --arg op "$1" --arg d "$DISK" "select(.type == \"bio\" and .disk == \$d and .op == \$op) | $2" "$J.f$m"; }
	expect_eq "$m: flushes == the disk's own count ($((f1 - f0)))" "$(row flush .ios)" $((f1 - f0))
	expect_eq "$m: writes == the disk's own count ($((w1 - w0)))" "$(row write .ios)" $((w1 - w0))
	expect_eq "$m: no completion without its start" "$(summary_field "$J.f$m" missed_start)" 0
	expect_eq "$m: the empty PREFLUSH writes are named as such" \
		"$(summary_field "$J.f$m" dataless_writes)" $NF
done

# Page cache, on an ext4 of our own so no other process touches the device.
mkfs.ext4 -q "$LOOP" && mount "$LOOP" "$MNT" || { fail "mkfs/mount"; finish; exit 1; }
PAGES=100 K=10 SLACK=32 NM=2048 RECLAIM_SLACK=64
head -c $((PAGES * 4096)) /dev/urandom >"$MNT/f"
head -c $((NM * 4096)) /dev/urandom >"$MNT/big"
sync
py() { python3 -c "import os, sys; $1" "$MNT"; }
resident() { fincore -nbo PAGES "$MNT/$1" | tr -d ' '; }
# Touches every page of big through a mapping; prints the faults the
# process took meanwhile (minor + major), as the kernel counts them.
mmap_read() {
	py 'import mmap, resource
fd = os.open(sys.argv[1] + "/big", os.O_RDONLY)
m = mmap.mmap(fd, '$((NM * 4096))', prot=mmap.PROT_READ)
offs = range(0, '$((NM * 4096))', 4096); s = 0
r0 = resource.getrusage(resource.RUSAGE_SELF)
for o in offs: s += m[o]
r1 = resource.getrusage(resource.RUSAGE_SELF)
print(r1.ru_minflt - r0.ru_minflt + r1.ru_majflt - r0.ru_majflt)'
}
for m in $TRACE_METHODS; do
	py 'fd = os.open(sys.argv[1] + "/f", os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)'
	trace_start "$J.c1$m" cache --method "$m" --dev "$LOOP" --json || continue
	py 'fd = os.open(sys.argv[1] + "/f", os.O_RDONLY); os.read(fd, '$((PAGES * 4096))')'
	trace_stop
	trace_start "$J.c2$m" cache --method "$m" --dev "$LOOP" --json || continue
	gone=$((PAGES - $(resident f)))
	py 'fd = os.open(sys.argv[1] + "/f", os.O_RDONLY); os.read(fd, '$((PAGES * 4096))')'
	trace_stop
	# msync's file is on disk before the window opens, in order-0 folios
	py 'fd = os.open(sys.argv[1] + "/m", os.O_RDWR | os.O_CREAT | os.O_TRUNC)
for i in range('$K'): os.pwrite(fd, b"y" * 4096, i * 4096)
os.fsync(fd)'
	trace_start "$J.c3$m" cache --method "$m" --dev "$LOOP" --json || continue
	# K one-page writes (K order-0 folios, whatever the flavour) to each of
	# three files, written back three ways: fsync(), sync(2) (the flusher's
	# inode writeback) and msync() of a shared mapping.
	py 'import mmap
for name in ("g", "h"):
    fd = os.open(sys.argv[1] + "/" + name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    for i in range('$K'): os.pwrite(fd, b"z" * 4096, i * 4096)
    if name == "g": os.fsync(fd)
fd = os.open(sys.argv[1] + "/m", os.O_RDWR); mm = mmap.mmap(fd, '$((K * 4096))')
for i in range('$K'): mm[i * 4096] = 65
mm.flush()'
	sync
	trace_stop
	rm -f "$MNT/g" "$MNT/h" "$MNT/m"
	# mmap reads of a cached and of an uncached file; the process's own
	# fault count (getrusage) is the reference for the warm one.
	cat "$MNT/big" >/dev/null
	trace_start "$J.c4$m" cache --method "$m" --dev "$LOOP" --json || continue
	bgone=$((NM - $(resident big)))
	warm_faults=$(mmap_read)
	trace_stop
	py 'fd = os.open(sys.argv[1] + "/big", os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)'
	before=$(resident big)
	trace_start "$J.c5$m" cache --method "$m" --dev "$LOOP" --json || continue
	cold_faults=$(mmap_read)
	trace_stop
	after=$(resident big)
	tot() { jq -r --arg d "$DISK" "select(.type == \"cache\" and .scope == \"total\" and .dev == \$d) | .$2" "$1"; }
	expect_eq "$m: cold read: one lookup per page, the read counted once" "$(tot "$J.c1$m" lookups)" $PAGES
	expect_range "$m: cold read: misses = file pages (+$SLACK readahead slack)" "$(tot "$J.c1$m" misses)" $PAGES $((PAGES + SLACK))
	expect_eq "$m: warm read: lookups" "$(tot "$J.c2$m" lookups)" $PAGES
	# Reclaim (DAMON pageout on our VMs) can take cached pages back at any
	# time, also between fincore and the read (16 pages once): the pages
	# gone before are misses for sure, RECLAIM_SLACK more may go meanwhile
	mi=$(tot "$J.c2$m" misses)
	expect_range "$m: warm read: misses = pages reclaimed before it ($gone, +$RECLAIM_SLACK)" "$mi" $gone $((gone + RECLAIM_SLACK))
	expect_eq "$m: warm read: hits = the rest" "$(tot "$J.c2$m" hits)" $((PAGES - mi))
	# file pages only: the device's own (metadata) pages are apart
	expect_eq "$m: 3 x $K pages written: dirtied" "$(tot "$J.c3$m" dirtied)" $((3 * K))
	expect_eq "$m: fsync + sync + msync: written back" "$(tot "$J.c3$m" writeback)" $((3 * K))
	expect_eq "$m: ext4 writeback covers every path" "$(tot "$J.c3$m" coverage.writeback)" all_paths
	maps=$(tot "$J.c4$m" mmap_maps) flt=$(tot "$J.c4$m" mmap_faults)
	bmi=$(tot "$J.c4$m" misses)
	expect_range "$m: warm mmap: misses = pages reclaimed before ($bgone, +$RECLAIM_SLACK)" "$bmi" $bgone $((bgone + RECLAIM_SLACK))
	# a fault on a page reclaimed meanwhile can be both a fault-around and
	# a filemap fault: at most one such per page missed
	expect_range "$m: warm mmap: fault-arounds + filemap faults = the process's faults ($warm_faults, +2 of its own, -$bmi missed)" \
		$((warm_faults - maps - flt)) $((-bmi)) 2
	expect_range "$m: warm mmap: some faults seen" $((maps + flt)) 1 $NM
	# windows are estimates: a page reclaimed and faulted again brings
	# its 16-page window (fault_around_bytes 64 KiB) twice (2064 seen)
	expect_range "$m: warm mmap: estimated pages within the file" "$(tot "$J.c4$m" mmap_pages_estimated)" 1 $((NM + 16 * (bmi + 2)))
	# reclaim (DAMON here) may take pages back meanwhile: at least that
	expect_range "$m: cold mmap: misses = pages the file gained in the cache (fincore $before -> $after)" \
		"$(tot "$J.c5$m" misses)" $((after - before)) $((NM - before))
	maps=$(tot "$J.c5$m" mmap_maps) flt=$(tot "$J.c5$m" mmap_faults)
	expect_range "$m: cold mmap: every fault of the process seen ($cold_faults)" $((maps + flt)) "$cold_faults" $((cold_faults * 2))
	expect_eq "$m: cold mmap: filemap faults are lookups" "$(tot "$J.c5$m" lookups)" "$flt"
done
finish
