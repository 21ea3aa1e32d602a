#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs the Debian/Ubuntu packages tapio's build, tests and demo need;
# does nothing when all are present. `make test` and `make demo` call it.
set -e

PKGS=(
	clang llvm gcc make pkg-config       # BPF and userspace compilers
	libbpf-dev libxdp-dev libelf-dev zlib1g-dev
	libmnl-dev libcap-dev libpcap-dev     # netlink, capabilities, pcap files
	libmicrohttpd-dev libinih-dev         # /metrics, configuration file
	libsystemd-dev                        # sd_notify for the systemd unit
	libncurses-dev tmux                   # tapio top, and its test
	libcmocka-dev                         # unit tests
	libclang-rt-dev                       # libFuzzer and sanitizers (tests/fuzz)
	clang-format cppcheck git             # the lint suite of make test
	scdoc man-db dpkg-dev adduser         # man pages, make deb and its test
	systemd libcap2-bin python3-yaml      # systemd-analyze verify, setcap, the DaemonSet
	iproute2 iputils-ping ethtool jq      # testenv and integration tests
	tshark tcpdump bc                     # captures in the tests, bench peer
	prometheus curl                       # promtool and a real scrape in tests
	libfixbuf-dev nfdump pmacct           # IPFIX export and two collectors
	python3-ipfix                         # an independent IPFIX decoder (TCP test)
	util-linux procps python3 e2fsprogs   # setpriv, sysctl, probe tests
	libdpdk-dev                           # the optional DPDK backend (dpdk/), its PMDs
)
# `make bench` runs peers beside tapio on the same workload
[ "${1:-}" = --bench ] && PKGS+=(libbpf-tools softflowd)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# bpftool: its own package on Debian, part of linux-tools on Ubuntu
if ! command -v bpftool >/dev/null 2>&1 && ! [ -x /usr/sbin/bpftool ]; then
	missing+=(bpftool)
fi

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root, or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [[ " ${missing[*]} " == *" bpftool "* ]] && ! apt-cache show bpftool >/dev/null 2>&1; then
	missing=("${missing[@]/bpftool/}")
	missing+=(linux-tools-common "linux-tools-$(uname -r)")
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
