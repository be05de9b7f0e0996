#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (never a downloaded browser).
# As root it uses apt-get; otherwise it says what to run. In CI a missing browser is an error.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium package for the browser tests ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  exit 0
fi
echo "Chromium (/usr/bin/chromium) is missing: run 'sudo apt-get install chromium' for the browser tests." >&2
if [ "${CI:-}" = "true" ]; then
  exit 1
fi
