#!/usr/bin/env bash
# Installs what the browser and PDF tests drive when it is missing: Debian's Chromium (never a downloaded
# browser) and poppler-utils (pdftotext reads the text of the PDFs we write). As root it uses apt-get;
# otherwise it says what to run. In CI a missing tool is an error.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's ${missing[*]} for the browser and PDF tests ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "Missing for the browser and PDF tests: run 'sudo apt-get install ${missing[*]}'." >&2
if [ "${CI:-}" = "true" ]; then
  exit 1
fi
