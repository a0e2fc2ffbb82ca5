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

# The main job: emulated Sage X3 + Jira for sample tenants, the connector synced against them.
demo() {
  local tenants=5 for_seconds=0 bin=${MLC_DEMO_BUILD:-build/release}
  while [ $# -gt 0 ]; do
    case "$1" in
      --tenants) tenants=$2; shift 2 ;;
      --for) for_seconds=$2; shift 2 ;;
      *) echo "demo: unknown option $1 (use --tenants N, --for SECONDS)" >&2; exit 2 ;;
    esac
  done
  local work; work=$(mktemp -d /tmp/mlc-demo.XXXXXX)
  local control=127.0.0.1:18080 node=127.0.0.1:9464
  local pids=()
  cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
  trap cleanup EXIT
  trap 'exit 0' INT TERM

  "$bin/tests/emulators/mlc-emulator" --tenants "$tenants" --seed 1 --records-per-tenant 20 \
    --x3-api mixed --jira-flavour mixed --control-listen "$control" --write-config "$work/node.json" \
    > "$work/emulator.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "ready" "$work/emulator.log" && break; sleep 0.1; done
  grep -q "ready" "$work/emulator.log" || { cat "$work/emulator.log"; echo "the emulator did not start" >&2; exit 1; }
  # Poll every 5 seconds (jittered) so changes show up quickly in the demo.
  python3 - "$work/node.json" <<'PY'
import json, sys
path = sys.argv[1]
cfg = json.load(open(path))
cfg["defaults"] = {"schedule": {"interval": "5s", "jitter": 0.2}}
json.dump(cfg, open(path, "w"), indent=1)
PY
  local first; first=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tenants'][0]['id'])" "$work/node.json")

  echo "== ml-connector setup: resolving Jira field ids for $tenants tenant(s)"
  "$bin/engine/ml-connector" setup --config "$work/node.json" --log-level warn
  echo "== ml-connector run (logs in $work/node.log)"
  "$bin/engine/ml-connector" run --config "$work/node.json" --listen "$node" > "$work/node.log" 2>&1 &
  pids+=($!)

  count_issues() {
    curl -s "http://$control/_emulator/state?tenant=$first" |
      python3 -c "import json,sys; s=json.load(sys.stdin); print(len(s['jira'][sys.argv[1]]['issues']))" "$first"
  }
  local n=0
  for _ in $(seq 150); do n=$(count_issues 2>/dev/null || echo 0); [ "$n" -gt 20 ] && break; sleep 0.2; done
  echo "== tenant $first now has $n Jira issues (orders and invoices)"
  local po; po=$(curl -s "http://$control/_emulator/state?tenant=$first" | python3 -c "
import json,sys; s=json.load(sys.stdin); print(s['x3'][sys.argv[1]]['purchase_orders'][0]['id'])" "$first")
  echo "== changing order $po in Sage X3: new delivery date 2031-12-24"
  curl -s -X POST "http://$control/_emulator/x3/$first/purchase_orders" -H 'Content-Type: application/json' \
    -d "{\"id\":\"$po\",\"lines\":[{\"product\":\"DEMO-1\",\"quantity\":10,\"net_price\":99.5,\"expected_receipt\":\"2031-12-24\"}]}" >/dev/null
  local show="import json,sys
s=json.load(sys.stdin); t=sys.argv[1]; po=sys.argv[2]
for i in s['jira'][t]['issues']:
    src=i['properties'].get('ml-connector.source',{})
    if src.get('id')==po and src.get('entity')=='purchase_order':
        print(i['key'], '|', i['fields']['summary'], '|', i['status'])
        for c in i['comments']: print('   comment:', c['text'])"
  for _ in $(seq 100); do
    curl -s "http://$control/_emulator/state?tenant=$first" | python3 -c "$show" "$first" "$po" | grep -q comment && break
    sleep 0.3
  done
  curl -s "http://$control/_emulator/state?tenant=$first" | python3 -c "$show" "$first" "$po"
  cat <<EOT

Where to look:
  Jira issues of $first:  curl -s 'http://$control/_emulator/state?tenant=$first' | python3 -m json.tool | less
  node metrics:          curl -s http://$node/metrics | grep -E '^mlc_(records_synced|sync_lag|tenants)'
  audit trail:           $bin/engine/ml-connector audit --config $work/node.json --tenant $first --limit 5
  change X3 data:        curl -s -X POST http://$control/_emulator/x3/$first/purchase_orders/$po/close
  node logs:             $work/node.log
EOT
  curl -s "http://$node/metrics" | grep -E '^mlc_records_synced_total.*created' | head -4
  if [ "$for_seconds" -gt 0 ]; then sleep "$for_seconds"; else echo "(Ctrl-C stops the demo)"; wait "${pids[1]}"; fi
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
    demo "$@" ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
