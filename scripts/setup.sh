#!/usr/bin/env bash
# Prepares a Debian machine with Node.js 20 to run the service and its tests; safe to run again.
# Installs the system packages that are missing (LibreOffice, CJK fonts, poppler, python3-uno,
# Chromium, NSS tools, PostgreSQL, Redis), starts PostgreSQL and Redis when they are not answering
# (the multi-instance tests use them; the service's embedded default needs neither), then the npm
# dependencies when package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

packages=(libreoffice-writer-nogui fonts-noto-cjk poppler-utils python3-uno chromium libnss3-tools openssl postgresql redis-server)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# PostgreSQL on 127.0.0.1:5432 with a `test` database the tests may use as user postgres. A server
# already answering is left exactly as it is; one this script starts gets trust auth for local TCP.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  cluster=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1" "$2}')
  if [ -n "$cluster" ]; then
    set -- $cluster
    hba="/etc/postgresql/$1/$2/pg_hba.conf"
    if [ -f "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      $sudo sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
    $sudo pg_ctlcluster "$1" "$2" start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if pg_isready -q -h 127.0.0.1 -p 5432 && ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -Atc 'create database test' >/dev/null 2>&1 \
    || $sudo -u postgres psql -Atc 'create database test' >/dev/null 2>&1 \
    || su postgres -c "psql -Atc 'create database test'" >/dev/null 2>&1 || true
fi

# Redis on 127.0.0.1:6379 (nothing durable is kept there: no persistence needed for the tests).
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  $sudo service redis-server start >/dev/null 2>&1 || $sudo redis-server --bind 127.0.0.1 --port 6379 --daemonize yes >/dev/null
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

stamp=node_modules/.setup-package-lock
if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi
