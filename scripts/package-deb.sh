#!/usr/bin/env bash
# Builds a Debian package of ppprouter with dpkg-deb.
#
#   scripts/package-deb.sh [OUTPUT.deb]
#
# BIN_DIR: take the executables from there instead of building them
# (default: `swift build -c release --static-swift-stdlib`, so the package
# needs no Swift runtime). VERSION: the package version (default: the
# release in Sources/IPC/Version.swift).
#
# Layout: the executables in /usr/lib/ppprouter (pppinit spawns its daemons
# from its own directory), /usr/sbin/pppinit and /usr/bin/pppctl as links;
# the systemd unit, sysusers and tmpfiles snippets; man pages; an example
# configuration as /etc/ppprouter/ppprouter.toml (a conffile).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${1:-$root/ppprouter.deb}
version=${VERSION:-$(sed -n 's/.*release = "\(.*\)".*/\1/p' Sources/IPC/Version.swift)}
arch=$(dpkg --print-architecture)
executables=(pppinit pppctl linkd authd ncpd bridged metricsd)

if [ -z "${BIN_DIR:-}" ]; then
    swift build -c release --static-swift-stdlib 2>&1 | grep -v '^\[' || true
    BIN_DIR=$(swift build -c release --show-bin-path)
fi
for e in "${executables[@]}"; do
    [ -x "$BIN_DIR/$e" ] || { echo "package-deb: $BIN_DIR/$e missing" >&2; exit 1; }
done

stage=$(mktemp -d /tmp/ppprouter-deb.XXXXXX)
trap 'rm -rf "$stage"' EXIT
install -d "$stage/DEBIAN" "$stage/usr/lib/ppprouter" "$stage/usr/sbin" "$stage/usr/bin" \
    "$stage/lib/systemd/system" "$stage/usr/lib/sysusers.d" "$stage/usr/lib/tmpfiles.d" \
    "$stage/usr/share/man/man5" "$stage/usr/share/man/man8" "$stage/etc/ppprouter" \
    "$stage/usr/share/doc/ppprouter" "$stage/usr/share/bash-completion/completions"
for e in "${executables[@]}"; do install -m 0755 "$BIN_DIR/$e" "$stage/usr/lib/ppprouter/$e"; done
ln -s ../lib/ppprouter/pppinit "$stage/usr/sbin/pppinit"
ln -s ../lib/ppprouter/pppctl "$stage/usr/bin/pppctl"
install -m 0644 compose/systemd/ppprouter.service "$stage/lib/systemd/system/ppprouter.service"
install -m 0644 compose/systemd/ppprouter.sysusers "$stage/usr/lib/sysusers.d/ppprouter.conf"
install -m 0644 compose/systemd/ppprouter.tmpfiles "$stage/usr/lib/tmpfiles.d/ppprouter.conf"
gzip -9n -c man/pppinit.8 >"$stage/usr/share/man/man8/pppinit.8.gz"
gzip -9n -c man/pppctl.8 >"$stage/usr/share/man/man8/pppctl.8.gz"
gzip -9n -c man/ppprouter.toml.5 >"$stage/usr/share/man/man5/ppprouter.toml.5.gz"
install -m 0644 compose/minimal.toml "$stage/etc/ppprouter/ppprouter.toml"
install -m 0644 README.md "$stage/usr/share/doc/ppprouter/README.md"
install -d "$stage/usr/share/doc/ppprouter/schema"
install -m 0644 docs/schema/*.schema.json "$stage/usr/share/doc/ppprouter/schema/"
"$BIN_DIR/pppctl" --generate-completion-script bash >"$stage/usr/share/bash-completion/completions/pppctl"

cat >"$stage/DEBIAN/control" <<CONTROL
Package: ppprouter
Version: $version
Architecture: $arch
Maintainer: ppprouter developers <root@localhost>
Depends: libcap2, libseccomp2, libnettle8
Section: net
Priority: optional
Description: PPP router built of small confined daemons
 PPP over ttys, UDP, TCP, PPPoE and L2TP, in userland over TUN and packet
 sockets; pppinit supervises linkd, authd, ncpd, bridged and metricsd, each
 with its own uid, capabilities and seccomp filter; pppctl controls it.
CONTROL
echo "/etc/ppprouter/ppprouter.toml" >"$stage/DEBIAN/conffiles"
# The uids and the runtime directory, where systemd's tools are there.
cat >"$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    # DPKG_ROOT: installed into another root (dpkg --root, chrootless).
    root=${DPKG_ROOT:-/}
    if command -v systemd-sysusers >/dev/null; then systemd-sysusers --root="$root" ppprouter.conf || true; fi
    if command -v systemd-tmpfiles >/dev/null; then systemd-tmpfiles --root="$root" --create ppprouter.conf || true; fi
fi
POSTINST
chmod 0755 "$stage/DEBIAN/postinst"

dpkg-deb --root-owner-group --build "$stage" "$out" >/dev/null
echo "package-deb: $out ($version, $arch)"
