#!/usr/bin/env bash
# Demo: the Sage X3 and Jira emulators for N tenants, and ml-connector syncing them.
#   tests/emulators/demo.sh BUILD_DIR [--tenants N] [--records N] [--interval 5s]
# (./mlc.sh demo builds first and calls this.) Every mix of X3 API, X3 auth, Jira flavour
# and Jira auth is used. Ctrl-C stops both processes; the work directory is printed.
set -euo pipefail
build=${1:?usage: demo.sh BUILD_DIR [--tenants N] [--records N] [--interval 5s]}
shift
tenants=4 records=12 interval=5s
while [ $# -gt 0 ]; do
  case "$1" in
    --tenants) tenants=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    *) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
emulator=$build/tests/emulators/mlc-emulator
connector=$build/engine/ml-connector
for b in "$emulator" "$connector"; do
  [ -x "$b" ] || { echo "demo.sh: $b is missing; build first (./mlc.sh build)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mlc-demo.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "demo stopped; logs and data in $work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$emulator" --tenants "$tenants" --records-per-tenant "$records" --x3-api mixed --x3-auth mixed \
  --jira-flavour mixed --jira-auth mixed --search-lag-ms 1000 --write-config "$work/node.json" \
  >"$work/emulator.out" 2>"$work/emulator.err" &
pids+=($!)
control=""
for _ in $(seq 1 300); do
  control=$(sed -n 's/^mlc-emulator ready control=\([^ ]*\).*/\1/p' "$work/emulator.out")
  [ -n "$control" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/emulator.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$control" ] || { echo "demo.sh: the emulator did not get ready" >&2; exit 1; }

listen=$(python3 - "$work" "$interval" <<'PY'
import json, socket, sys
work, interval = sys.argv[1], sys.argv[2]
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
path = work + "/node.json"
c = json.load(open(path))
c["listen"] = f"127.0.0.1:{port}"
c["data_dir"] = work + "/data"
c["log_format"] = "text"
c["defaults"] = {"schedule": {"interval": interval, "jitter": 0}}
json.dump(c, open(path, "w"), indent=1)
print(c["listen"])
PY
)
"$connector" run --config "$work/node.json" >"$work/connector.log" 2>&1 &
pids+=($!)

cat <<TXT
ml-connector demo ($tenants tenants) — work directory $work
  emulator control   $control/_emulator/state   (counters: $control/_emulator/counters)
  connector metrics  http://$listen/metrics
  change an order:   curl -s -X POST -d '{"id":"<POHNUM>","closed":true}' $control/_emulator/x3/t0000/purchase_orders
  inject faults:     curl -s -X POST -d '{"jira":{"rate_429":0.2}}' $control/_emulator/faults
Ctrl-C to stop.
TXT
while kill -0 "${pids[1]}" 2>/dev/null; do
  python3 - "$control" <<'PY' || true
import json, sys, urllib.request
state = json.load(urllib.request.urlopen(sys.argv[1] + "/_emulator/state", timeout=5))
for t in sorted(state["x3"]):
    x3, jira = state["x3"][t], state["jira"][t]
    done = sum(1 for i in jira["issues"] if i["status"] == "Done")
    print(f"  {t}: X3 {len(x3['purchase_orders'])} orders + {len(x3['supplier_invoices'])} invoices"
          f" -> Jira ({jira['flavour']}) {len(jira['issues'])} issues, {done} done")
PY
  sleep 5
done
echo "ml-connector exited; see $work/connector.log" >&2
exit 1
