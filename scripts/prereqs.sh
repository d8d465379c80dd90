#!/usr/bin/env bash
# Make sure the test prerequisites are on this machine: PostgreSQL server binaries,
# Debian's Chromium, CJK fonts, LibreOffice Writer and poppler (documents rendered to PDF and checked).
# As root, installs what is missing with apt; otherwise prints the exact command.
# With CI=true a prerequisite that is still missing is an error (exit 1), never a skip.
set -u
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing missing prerequisites: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  missing2=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing2+=(postgresql)
  [ -x /usr/bin/chromium ] || missing2+=(chromium)
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing2+=(fonts-noto-cjk)
  command -v soffice >/dev/null 2>&1 || missing2+=(libreoffice-writer-nogui)
  command -v pdftoppm >/dev/null 2>&1 || missing2+=(poppler-utils)
  missing=("${missing2[@]}")
  [ ${#missing[@]} -eq 0 ] && exit 0
fi
echo "Missing test prerequisites: ${missing[*]}"
echo "Install them with:  sudo apt-get install ${missing[*]}"
if [ "${CI:-}" = "true" ]; then exit 1; fi
exit 2
