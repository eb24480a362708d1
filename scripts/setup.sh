#!/usr/bin/env bash
# Installs the Debian packages wordmill needs to build and test, and only those that are missing.
# Idempotent: a second run installs nothing and takes well under a second.
#   scripts/setup.sh           build + test dependencies
#   scripts/setup.sh --bench   also the peers the benchmarks compare against
set -euo pipefail

packages=(
  g++ cmake make pkg-config ninja-build dpkg-dev
  libopenmpi-dev openmpi-bin
  libeigen3-dev libabsl-dev
  libprotobuf-dev protobuf-compiler
  libzstd-dev zstd
  libgtest-dev
  libutf8proc-dev
  libsimdjson-dev libxxhash-dev
  libdivsufsort-dev darts
  nodejs npm
  python3-numpy python3-gensim
  iproute2
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(fasttext sentencepiece python3-torch hyperfine time)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js may come from outside Debian (e.g. a preinstalled /usr/bin/node with its own npm);
# then the Debian nodejs/npm packages are not needed.
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
