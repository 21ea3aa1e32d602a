#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Test hosts for tapio, after xdp-tutorial's testenv: a veth pair between the
# root namespace (DEV, where tapio attaches) and a namespace of its own.
#
# Addresses come from the benchmarking range 198.18.0.0/15 (RFC 2544) and the
# documentation prefix 2001:db8::/32, so they cannot collide with real ones.
set -o pipefail

STATE_DIR=${TESTENV_STATE_DIR:-/run/tapio-testenv}
PROG=$(basename "$0")

usage() {
	cat <<USAGE
Usage: $PROG setup --name N [--vlan ID] [--queues Q] [--ipv6|--ipv4-only] [--offload]
       $PROG teardown --name N | --all
       $PROG exec --name N -- CMD [ARGS...]
       $PROG env --name N          print the environment's variables
       $PROG status

setup creates namespace tapio-N with veth0 (198.18.I.2, 2001:db8:I::2) and,
in the root namespace, DEV tp-N (198.18.I.1, 2001:db8:I::1).
  --queues Q     Q rx/tx queues on both ends (default 1)
  --vlan ID      also a VLAN ID sub-interface on both ends (needs 802.1Q)
  --ipv6         IPv4 and IPv6 addresses (the default)
  --ipv4-only    no IPv6 addresses
  --offload      keep TSO/GSO/GRO on (default off: one skb is one frame)
USAGE
}

die() {
	echo "$PROG: $*" >&2
	exit 1
}

need_root() {
	[ "$(id -u)" = 0 ] || die "must run as root (creates namespaces and links)"
}

check_name() {
	[ -n "$NAME" ] || die "missing --name"
	[[ "$NAME" =~ ^[a-z0-9]{1,10}$ ]] || die "invalid name '$NAME': 1-10 of [a-z0-9]"
}

state_file() { echo "$STATE_DIR/$1.env"; }

free_index() {
	local i
	for i in $(seq 1 250); do
		grep -qs "^TESTENV_INDEX=$i\$" "$STATE_DIR"/*.env || { echo "$i"; return 0; }
	done
	return 1
}

cleanup_partial() {
	ip netns del "$NS" 2>/dev/null
	ip link del "$DEV" 2>/dev/null
	rm -f "$(state_file "$NAME")"
}

setup() {
	local vlan="" queues=1 ipv6=1 offload=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--name) NAME=$2; shift 2 ;;
		--vlan) vlan=$2; shift 2 ;;
		--queues) queues=$2; shift 2 ;;
		--ipv6) ipv6=1; shift ;;
		--ipv4-only) ipv6=0; shift ;;
		--offload) offload=1; shift ;;
		*) usage >&2; die "unknown setup option '$1'" ;;
		esac
	done
	check_name
	need_root
	[[ "$queues" =~ ^[0-9]+$ ]] && [ "$queues" -ge 1 ] && [ "$queues" -le 64 ] ||
		die "invalid --queues '$queues': 1..64"
	if [ -n "$vlan" ]; then
		[[ "$vlan" =~ ^[0-9]+$ ]] && [ "$vlan" -ge 1 ] && [ "$vlan" -le 4094 ] ||
			die "invalid --vlan '$vlan': 1..4094"
	fi
	NS=tapio-$NAME
	DEV=tp-$NAME
	mkdir -p "$STATE_DIR"
	[ -e "$(state_file "$NAME")" ] && die "environment '$NAME' exists; teardown first"
	ip netns list | grep -qw "$NS" && die "namespace $NS exists but is not ours to reuse"
	ip link show "$DEV" >/dev/null 2>&1 && die "link $DEV exists but is not ours to reuse"
	local idx
	idx=$(free_index) || die "no free environment index"

	trap 'cleanup_partial; die "setup of $NAME failed"' ERR
	set -e
	ip netns add "$NS"
	ip link add "$DEV" numtxqueues "$queues" numrxqueues "$queues" type veth \
		peer name veth0 numtxqueues "$queues" numrxqueues "$queues" netns "$NS"
	if [ "$ipv6" = 1 ]; then
		# No router solicitations or DAD: the link carries only what tests send.
		for s in accept_ra=0 router_solicitations=0 accept_dad=0 dad_transmits=0; do
			sysctl -qw "net.ipv6.conf.$DEV.$s"
			ip netns exec "$NS" sysctl -qw "net.ipv6.conf.veth0.$s"
		done
	else
		sysctl -qw "net.ipv6.conf.$DEV.disable_ipv6=1"
		ip netns exec "$NS" sysctl -qw net.ipv6.conf.veth0.disable_ipv6=1
	fi
	ip addr add "198.18.$idx.1/24" dev "$DEV"
	ip netns exec "$NS" ip addr add "198.18.$idx.2/24" dev veth0
	if [ "$ipv6" = 1 ]; then
		ip addr add "2001:db8:$idx::1/64" dev "$DEV" nodad
		ip netns exec "$NS" ip addr add "2001:db8:$idx::2/64" dev veth0 nodad
	fi
	if [ "$offload" = 0 ]; then
		ethtool -K "$DEV" tso off gso off gro off >/dev/null 2>&1 || true
		ip netns exec "$NS" ethtool -K veth0 tso off gso off gro off >/dev/null 2>&1 || true
	fi
	ip link set "$DEV" up
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" ip link set veth0 up
	if [ -n "$vlan" ]; then
		if ! ip link add link "$DEV" name "$DEV.$vlan" type vlan id "$vlan" 2>/dev/null; then
			false # the ERR trap cleans up
		fi
		ip netns exec "$NS" ip link add link veth0 name "veth0.$vlan" type vlan id "$vlan"
		ip addr add "198.19.$idx.1/24" dev "$DEV.$vlan"
		ip netns exec "$NS" ip addr add "198.19.$idx.2/24" dev "veth0.$vlan"
		ip link set "$DEV.$vlan" up
		ip netns exec "$NS" ip link set "veth0.$vlan" up
	fi
	set +e
	trap - ERR

	cat >"$(state_file "$NAME")" <<STATE
TESTENV_NAME=$NAME
TESTENV_INDEX=$idx
TESTENV_NS=$NS
TESTENV_DEV=$DEV
TESTENV_PEER=veth0
TESTENV_QUEUES=$queues
TESTENV_VLAN=$vlan
TESTENV_IP4_HOST=198.18.$idx.1
TESTENV_IP4_NS=198.18.$idx.2
TESTENV_IP6_HOST=$([ "$ipv6" = 1 ] && echo "2001:db8:$idx::1")
TESTENV_IP6_NS=$([ "$ipv6" = 1 ] && echo "2001:db8:$idx::2")
TESTENV_MAC_HOST=$(cat /sys/class/net/"$DEV"/address)
TESTENV_MAC_NS=$(ip netns exec "$NS" cat /sys/class/net/veth0/address)
STATE
	echo "testenv $NAME: $DEV (198.18.$idx.1) <-> $NS:veth0 (198.18.$idx.2), $queues queue(s)"
}

teardown_one() {
	local f
	f=$(state_file "$1")
	[ -e "$f" ] || { echo "$PROG: no environment '$1'" >&2; return 1; }
	# shellcheck disable=SC1090
	. "$f"
	ip netns del "$TESTENV_NS" 2>/dev/null
	ip link del "$TESTENV_DEV" 2>/dev/null
	# Pins of a tapio that was attached to the now deleted device.
	rm -rf "/sys/fs/bpf/tapio/$TESTENV_DEV"
	rmdir /sys/fs/bpf/tapio 2>/dev/null
	rm -f "$f"
	echo "testenv $1: removed"
}

teardown() {
	local all=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--name) NAME=$2; shift 2 ;;
		--all) all=1; shift ;;
		*) NAME=$1; shift ;;
		esac
	done
	need_root
	if [ "$all" = 1 ]; then
		local f rc=0
		for f in "$STATE_DIR"/*.env; do
			[ -e "$f" ] || continue
			teardown_one "$(basename "$f" .env)" || rc=1
		done
		return $rc
	fi
	check_name
	teardown_one "$NAME"
}

load_env() {
	local f
	f=$(state_file "$NAME")
	[ -e "$f" ] || die "no environment '$NAME'"
	cat "$f"
}

do_exec() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--name) NAME=$2; shift 2 ;;
		--) shift; break ;;
		*) [ -z "$NAME" ] && NAME=$1 && shift && continue; break ;;
		esac
	done
	check_name
	[ $# -gt 0 ] || die "exec: missing command"
	[ -e "$(state_file "$NAME")" ] || die "no environment '$NAME'"
	exec ip netns exec "tapio-$NAME" "$@"
}

status() {
	local f
	for f in "$STATE_DIR"/*.env; do
		[ -e "$f" ] || { echo "no test environments"; return 0; }
		(
			# shellcheck disable=SC1090
			. "$f"
			printf '%-10s %-12s %-16s %-16s %s queue(s)%s\n' "$TESTENV_NAME" \
				"$TESTENV_DEV" "$TESTENV_IP4_HOST" "$TESTENV_NS" "$TESTENV_QUEUES" \
				"$(ip link show "$TESTENV_DEV" >/dev/null 2>&1 || echo ' (link missing)')"
		)
	done
}

NAME=""
cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
setup) setup "$@" ;;
teardown) teardown "$@" ;;
exec) do_exec "$@" ;;
env)
	[ "$1" = --name ] && NAME=$2 || NAME=$1
	check_name
	load_env
	;;
status) status ;;
-h | --help | help) usage ;;
*) usage >&2; exit 2 ;;
esac
