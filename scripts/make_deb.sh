#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A Debian package from this tree with dpkg-deb: `make install` into a
# staging root, dependencies from dpkg-shlibdeps, the tapio user in postinst.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath -m "${1:-build}")
ARCH=$(dpkg --print-architecture)
# a Debian version must start with a digit; git describe gives a hash
VERSION="0.1~git$(git describe --always --dirty 2>/dev/null | tr -- '-' '.' || echo unknown)"
STAGE=$BUILD/deb/tapio
rm -rf "$BUILD/deb"
mkdir -p "$STAGE/DEBIAN"
make --no-print-directory install BUILD="$BUILD" DESTDIR="$STAGE" PREFIX=/usr \
	SYSCONFDIR=/etc UNITDIR=/lib/systemd/system >/dev/null

# dpkg-shlibdeps wants a debian/control beside it
mkdir -p "$BUILD/deb/shlibs/debian"
printf 'Source: tapio\n\nPackage: tapio\nArchitecture: any\n' >"$BUILD/deb/shlibs/debian/control"
DEPENDS=$(cd "$BUILD/deb/shlibs" &&
	dpkg-shlibdeps -O "$STAGE/usr/sbin/tapio" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')

cat >"$STAGE/DEBIAN/control" <<CONTROL
Package: tapio
Version: $VERSION
Architecture: $ARCH
Maintainer: tapio developers <tapio@localhost>
Depends: $DEPENDS, adduser
Recommends: libcap2-bin
Section: net
Priority: optional
Description: network flow accounting at XDP and TC, and kernel probes
 XDP and TC eBPF programs account every flow of a device in the kernel;
 the tapio run daemon exports the flows as JSON lines, IPFIX and
 Prometheus metrics, beside tracepoint probes for block I/O, page cache,
 exec and TCP. Runs as the unprivileged user tapio with four capabilities.
CONTROL
echo /etc/tapio/tapio.conf >"$STAGE/DEBIAN/conffiles"

cat >"$STAGE/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	adduser --system --group --no-create-home --home /nonexistent \
		--quiet tapio
	# enabled, not started: the operator names the interfaces first
	if command -v deb-systemd-helper >/dev/null; then
		deb-systemd-helper enable tapio.service >/dev/null || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
	fi
fi
SCRIPT
cat >"$STAGE/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
	deb-systemd-invoke stop tapio.service >/dev/null || true
fi
SCRIPT
cat >"$STAGE/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = remove ] && command -v deb-systemd-helper >/dev/null; then
	deb-systemd-helper mask tapio.service >/dev/null || true
fi
if [ "$1" = purge ]; then
	if command -v deb-systemd-helper >/dev/null; then
		deb-systemd-helper purge tapio.service >/dev/null || true
		deb-systemd-helper unmask tapio.service >/dev/null || true
	fi
	# what the unit made: its logs, its run directory, an empty pin root
	rm -rf /var/log/tapio /run/tapio
	rmdir /sys/fs/bpf/tapio 2>/dev/null || true
	if getent passwd tapio >/dev/null; then
		deluser --system --quiet tapio || true
	fi
	if getent group tapio >/dev/null; then
		delgroup --system --quiet tapio || true
	fi
fi
SCRIPT
chmod 0755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/prerm" "$STAGE/DEBIAN/postrm"
OUT="$BUILD/tapio_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group --build "$STAGE" "$OUT" >/dev/null
echo "$OUT"
