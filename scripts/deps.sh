#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what building and testing timed needs on Debian 12, without starting any service:
# /usr/sbin/policy-rc.d exits 101 around apt-get install, so chrony's or gpsd's packages can't
# start a system-wide daemon (and never change this machine's clock).
set -eu

BUILD_PKGS="gcc make autoconf automake pkg-config libgnutls28-dev nettle-dev gnutls-bin libseccomp-dev libgps-dev pps-tools check"
TEST_PKGS="chrony ntpsec-ntpdig faketime iproute2 python3 util-linux procps"

want="$BUILD_PKGS"
[ "${1:-}" = "--test" ] && want="$BUILD_PKGS $TEST_PKGS"

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages:$missing (run as root to install them)" >&2
  exit 1
fi

prc=/usr/sbin/policy-rc.d
saved=""
if [ -e "$prc" ]; then
  saved=$(mktemp)
  cp -p "$prc" "$saved"
fi
restore() {
  if [ -n "$saved" ]; then cp -p "$saved" "$prc"; rm -f "$saved"; else rm -f "$prc"; fi
}
trap restore EXIT
printf '#!/bin/sh\n# timed: no service may start while packages install\nexit 101\n' > "$prc"
chmod 755 "$prc"

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"
