#!/usr/bin/env bash
# Installs what the suite needs on a Debian or Ubuntu machine, and nothing it already has.
#   scripts/setup.sh rehearse   git, and mariadb-server unless LADDR_DATABASE_URL is set or a
#                               Docker daemon answers (any one provider will do)
#   scripts/setup.sh test       git and mariadb-server: the tests exercise the local provider;
#                               xmlsec1, the command-line tool the SAML tests check against;
#                               chromium, which renders the HTML report in a test
# Both modes: the C libraries the SAML signature code builds against (xmlsec1, libxml2,
# OpenSSL, found with pkg-config; libclang for bindgen).
# Idempotent; run by `make`.
set -euo pipefail

sudo_if_needed() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: no Rust toolchain (hint: install it with rustup, https://rustup.rs, then rerun)" >&2
  exit 2
fi

need=()
command -v git >/dev/null 2>&1 || need+=(git)
# MariaDB is known by its own programs: GitHub's runners carry MySQL's mysqld, which the
# local provider cannot use.
has_mariadbd() {
  { command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; } && command -v mariadb-install-db >/dev/null 2>&1
}
docker_answers() {
  local sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
  sock=${sock#unix://}
  [ -S "$sock" ] && command -v curl >/dev/null 2>&1 && curl -s --max-time 3 --unix-socket "$sock" http://docker/_ping | grep -q OK
}
mode=${1:-rehearse}
if ! { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists xmlsec1 libxml-2.0 openssl; }; then
  need+=(pkg-config libxmlsec1-dev libxml2-dev libssl-dev)
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libclang[-.0-9]*\.so'; then
  need+=(libclang-dev)
fi
if [ "$mode" = test ] && ! command -v xmlsec1 >/dev/null 2>&1; then
  need+=(xmlsec1)
fi
# The report's HTML is checked in headless Chromium (GitHub's Ubuntu runners carry Google
# Chrome, which does as well; Debian's package is `chromium`).
if [ "$mode" = test ] && ! command -v chromium >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  need+=(chromium)
fi
if ! has_mariadbd; then
  if [ "$mode" = test ] || { [ -z "${LADDR_DATABASE_URL:-}" ] && ! docker_answers; }; then
    need+=(mariadb-server)
  fi
fi
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: please install: ${need[*]} (no apt-get on this machine)" >&2
    exit 2
  fi
  echo "setup: installing ${need[*]}"
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # The package's own service is not needed: the suite starts mariadbd itself on a
  # temporary data directory.
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
