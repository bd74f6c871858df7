#!/usr/bin/env bash
# Install the Debian packages fairaudit needs to build, run and test, when
# any is missing.  Needs root (or sudo) only when something must be installed.
set -euo pipefail

pkgs=(
	build-essential pkg-config
	libmicrohttpd-dev libpq-dev libcjson-dev libgsl-dev libutf8proc-dev
	libssl-dev libcmocka-dev libxxhash-dev
	postgresql postgresql-contrib
	python3 python3-scipy
	sctk chromium valgrind curl
	clang libclang-rt-14-dev
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
