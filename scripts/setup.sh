#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then the npm dependencies.
#   libbenchmark-dev  Google Benchmark, for the CPU backend of the kernel suite
#   chromium          headless browser that renders the compliance report in tests
#   zstd, tar         bundle archives and the benchmark comparison
#   strace            tests that count how often a command opens each input (read once)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libbenchmark-dev chromium zstd tar g++ make strace)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages already present: ${packages[*]}"
fi

echo "setup: npm ci"
npm ci
