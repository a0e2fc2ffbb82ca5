#!/usr/bin/env bash
# ml-connector developer entry point: installs what is missing, builds, runs.
#   ./mlc.sh demo [--tenants N]   build, start the emulators and the connector with sample tenants
#   ./mlc.sh test [--sanitize]    build (warnings as errors) and run the whole test suite
#   ./mlc.sh build [--sanitize]   build only
#   ./mlc.sh deps                 install the Debian packages the build needs
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD

packages=(libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev librocksdb-dev
  prometheus-cpp-dev catch2 libssl-dev cmake ninja-build clang-16 libclang-rt-16-dev
  mold ccache rocksdb-tools prometheus curl python3 ca-certificates openssl tzdata)

deps() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build DIR [cmake args...]
build() {
  local dir=$1; shift
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1 CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/mlc-ccache}
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=mold -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=mold "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$(nproc)"
}

cmd=${1:-help}; shift || true
case "$cmd" in
  deps) deps ;;
  build)
    deps
    if [ "${1:-}" = --sanitize ]; then build build/asan -DMLC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    else build build/release; fi ;;
  test)
    deps
    dir=build/ci; flags=(-DMLC_WERROR=ON)
    if [ "${1:-}" = --sanitize ]; then dir=build/asan-ci; flags+=(-DMLC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug); fi
    build "$dir" "${flags[@]}"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 600 ;;
  demo)
    deps
    build build/release
    exec tests/emulators/demo.sh build/release "$@" ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
