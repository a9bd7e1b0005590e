#!/usr/bin/env bash
# End-to-end benchmark (harness 3): `murmur bench` against the murmur gateway in front of 3 nodes serving
# the REAL all-MiniLM-L6-v2 model, at rising open-loop rates, on this machine.
#
# What it does:
#   1. Builds release (unless MURMUR_BIN is given) and checks the model files are there.
#   2. Starts 3 `murmur node --model all-MiniLM-L6-v2` processes and a `murmur gateway` on free loopback
#      ports, the nodes' embedding cache off by default (NODE_CACHE_MAX_ENTRIES=0) so every request runs
#      the model. Waits until the gateway lists 3 healthy nodes and answers 200.
#   3. Low load: one connection, one stream, one short text, closed loop (`--concurrency 1
#      --streams-per-connection 1`, LOW_LOAD_REQUESTS requests after a warm-up): the single-request
#      latency (the goal is p50 <= 5 ms).
#   4. Rising rates (RATES, requests/s): `murmur bench --rate R --duration DURATION --warmup WARM_UP --json`
#      with generated texts of LENGTHS words (same seed every time). Stops after a rate whose p99 is above
#      10x the first rate's p99, that has errors, or whose achieved rate is under 80% of the offered one.
#   5. Finds the knee: the highest rate whose achieved req/s is >= 95% of the offered rate, with no errors
#      and p99 <= 4x the lowest rate's p99. Prints a table and writes Tests/Benchmarks/results/end-to-end.json.
#   Every process it starts is stopped on exit (trap); every wait has a deadline; every bench is bounded
#   with `timeout`.
#
# How to run (from anywhere): Tests/Benchmarks/end_to_end_rates.sh
#   RATES="25 50 100" DURATION=5s Tests/Benchmarks/end_to_end_rates.sh
# Environment (defaults): MURMUR_BIN (release build), MURMUR_MODEL_DIR (.models/all-MiniLM-L6-v2),
#   RATES ("25 50 100 150 200 300 400 600 800"), DURATION (10s), WARM_UP (2s), LENGTHS (8-64),
#   CONCURRENCY (8), STREAMS (16), LOW_LOAD_REQUESTS (500), NODE_CACHE_MAX_ENTRIES (0),
#   STARTUP_TIMEOUT (120 s).
set -euo pipefail
[ -z "${MURMUR_BIN:-}" ] || MURMUR_BIN=$(realpath -m "$MURMUR_BIN")
[ -z "${MURMUR_MODEL_DIR:-}" ] || MURMUR_MODEL_DIR=$(realpath -m "$MURMUR_MODEL_DIR")
cd "$(dirname "$0")/../.."

RATES=${RATES:-"25 50 100 150 200 300 400 600 800"}
DURATION=${DURATION:-10s}
WARM_UP=${WARM_UP:-2s}
LENGTHS=${LENGTHS:-8-64}
CONCURRENCY=${CONCURRENCY:-8}
STREAMS=${STREAMS:-16}
LOW_LOAD_REQUESTS=${LOW_LOAD_REQUESTS:-500}
NODE_CACHE_MAX_ENTRIES=${NODE_CACHE_MAX_ENTRIES:-0}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}
export MURMUR_MODEL_DIR=${MURMUR_MODEL_DIR:-$PWD/.models/all-MiniLM-L6-v2}
RESULT=Tests/Benchmarks/results/end-to-end.json

fail() { echo "end_to_end_rates: $*" >&2; exit 1; }
for n in CONCURRENCY STREAMS LOW_LOAD_REQUESTS NODE_CACHE_MAX_ENTRIES STARTUP_TIMEOUT; do
  [[ ${!n} =~ ^[0-9]+$ ]] || fail "$n must be a whole number, got '${!n}'"
done
for rate in $RATES; do [[ $rate =~ ^[0-9]+$ ]] && ((rate > 0)) || fail "RATES must be whole numbers > 0, got '$rate'"; done
command -v curl >/dev/null || fail "curl is missing (apt-get install curl)"
command -v python3 >/dev/null || fail "python3 is missing"
[ -f "$MURMUR_MODEL_DIR/model.safetensors" ] || fail "no model in $MURMUR_MODEL_DIR (run 'make model')"
# shellcheck source=processes.sh
source "Tests/Benchmarks/processes.sh"
use_release_binary

seed_gossip=""
node_ports=()
for i in 1 2 3; do
  gossip=$(free_port); http=$(free_port)
  [ -n "$seed_gossip" ] || seed_gossip="127.0.0.1:$gossip"
  MURMUR_NODE_CACHE_MAX_ENTRIES=$NODE_CACHE_MAX_ENTRIES \
    "$MURMUR_BIN" node --name "e2e-node-$i" --gossip "127.0.0.1:$gossip" --http "127.0.0.1:$http" \
    --model all-MiniLM-L6-v2 --seeds "$seed_gossip" >"$work/node-$i.log" 2>&1 &
  pids+=($!)
  node_ports+=("$http")
done
gateway_gossip=$(free_port); gateway_port=$(free_port)
"$MURMUR_BIN" gateway --name e2e-gateway --gossip "127.0.0.1:$gateway_gossip" \
  --listen "127.0.0.1:$gateway_port" --seeds "$seed_gossip" >"$work/gateway.log" 2>&1 &
pids+=($!)
URL="http://127.0.0.1:$gateway_port"

wait_for() {
  local what=$1; shift
  local deadline=$((SECONDS + STARTUP_TIMEOUT))
  until "$@"; do
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a process exited while waiting for $what"; done
    ((SECONDS < deadline)) || fail "timed out after ${STARTUP_TIMEOUT}s waiting for $what"
    sleep 0.2
  done
}
gateway_sees_three_nodes() {
  curl -sf --max-time 2 "$URL/cluster" 2>/dev/null | python3 -c '
import json, sys
members = json.load(sys.stdin)["members"]
sys.exit(0 if sum(m.get("role") == "node" and m.get("health") == "up" for m in members) == 3 else 1)' 2>/dev/null
}
answers_200() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --http2-prior-knowledge --max-time 5 \
    -H 'content-type: application/json' --data-binary '{"model":"all-MiniLM-L6-v2","input":"ready?"}' \
    "$URL/v1/embeddings" 2>/dev/null)" = 200 ]
}
for port in "${node_ports[@]}"; do
  wait_for "node on port $port to be ready" curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$port/ready"
done
wait_for "the gateway to list 3 healthy nodes" gateway_sees_three_nodes
wait_for "the gateway to answer 200" answers_200

# run_bench <output.json> <bench arguments…>: one bounded `murmur bench --json` run.
run_bench() {
  local output=$1; shift
  timeout 600 "$MURMUR_BIN" bench --url "$URL" --json "$@" >"$output" 2>"$work/bench.err" &
  load_pid=$!
  wait "$load_pid" || { cat "$work/bench.err" >&2; fail "murmur bench $* failed"; }
  load_pid=""
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%s\n' '"The cluster routes requests."' >"$work/short.jsonl"
echo "low load: 1 connection, 1 stream, one short text, $LOW_LOAD_REQUESTS requests" >&2
run_bench "$work/low-load.json" --concurrency 1 --streams-per-connection 1 --input "$work/short.jsonl" \
  --requests "$LOW_LOAD_REQUESTS" --warmup "$WARM_UP"

first_p99=""
runs=()
for rate in $RATES; do
  echo "rate $rate req/s for $DURATION" >&2
  run_bench "$work/rate-$rate.json" --rate "$rate" --duration "$DURATION" --warmup "$WARM_UP" \
    --concurrency "$CONCURRENCY" --streams-per-connection "$STREAMS" --lengths "$LENGTHS" --seed 1 --texts 5000
  runs+=("$work/rate-$rate.json")
  verdict=$(python3 - "$work/rate-$rate.json" "$rate" "$first_p99" <<'PY'
import json, sys
summary, rate, first = json.load(open(sys.argv[1])), float(sys.argv[2]), sys.argv[3]
p99 = (summary.get("latency_ms") or {}).get("p99")
errors = summary["requests"]["failed"]
if p99 is None or errors > 0 or summary["req_per_s"] < 0.8 * rate or (first and p99 > 10 * float(first)):
    print("stop", p99 if p99 is not None else "")
else:
    print("go", p99)
PY
)
  [ -n "$first_p99" ] || first_p99=${verdict#* }
  [[ $verdict == go* ]] || { echo "stopping after $rate req/s: p99 exploded, errors, or the rate was not kept" >&2; break; }
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$(dirname "$RESULT")"
python3 - "$RESULT" "$work/low-load.json" "$load_before" "$load_after" "$LENGTHS" "$DURATION" "$WARM_UP" \
  "$CONCURRENCY" "$STREAMS" "$NODE_CACHE_MAX_ENTRIES" "$("$MURMUR_BIN" --version)" "${runs[@]}" <<'PY'
import datetime, json, os, sys
(result, low_path, load_before, load_after, lengths, duration, warm_up, concurrency, streams, cache,
 version, *run_paths) = sys.argv[1:]
low = json.load(open(low_path))
runs = []
for path in run_paths:
    s = json.load(open(path))
    latency = s.get("latency_ms") or {}
    runs.append({
        "rate": s["parameters"]["rate"],
        "achieved_req_per_s": round(s["req_per_s"], 1),
        "texts_per_s": round(s["texts_per_s"], 1),
        "tokens_per_s": round(s["tokens_per_s"]),
        "requests": s["requests"]["total"],
        "errors": s["requests"]["failed"],
        "errors_by_kind": {k: v for k, v in s["errors"].items() if v},
        "late_sends": s.get("late_sends", 0),
        "p50_ms": latency.get("p50"), "p90_ms": latency.get("p90"), "p99_ms": latency.get("p99"),
        "p99_9_ms": latency.get("p99_9"), "max_ms": latency.get("max"),
    })
base_p99 = runs[0]["p99_ms"] if runs and runs[0]["p99_ms"] else None
knee = None
for run in runs:
    kept = run["achieved_req_per_s"] >= 0.95 * run["rate"] and run["errors"] == 0
    if kept and base_p99 and run["p99_ms"] is not None and run["p99_ms"] <= 4 * base_p99:
        knee = run["rate"] if knee is None or run["rate"] > knee else knee
low_latency = low.get("latency_ms") or {}
document = {
    "benchmark": "murmur bench (open loop, HTTP/2) -> murmur gateway -> 3 nodes, real all-MiniLM-L6-v2",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"cores": os.cpu_count(), "load_average_before": load_before, "load_average_after": load_after},
    "setup": {
        "murmur": version, "nodes": 3, "model": "all-MiniLM-L6-v2", "node_cache_max_entries": int(cache),
        "texts": f"generated, {lengths} words uniform, seed 1, 5000 distinct, 1 per request",
        "duration": duration, "warm_up": warm_up,
        "connections": int(concurrency), "streams_per_connection": int(streams),
        "command": f"murmur bench --rate R --duration {duration} --warmup {warm_up} --concurrency {concurrency} "
                   f"--streams-per-connection {streams} --lengths {lengths} --seed 1 --texts 5000 --json",
    },
    "low_load": {
        "command": "murmur bench --concurrency 1 --streams-per-connection 1 --input short.jsonl "
                   f"--requests {low['requests']['total']} --warmup {warm_up} --json",
        "text": "The cluster routes requests.",
        "requests": low["requests"]["total"], "errors": low["requests"]["failed"],
        "req_per_s": round(low["req_per_s"], 1),
        "p50_ms": low_latency.get("p50"), "p99_ms": low_latency.get("p99"), "max_ms": low_latency.get("max"),
        "goal_p50_ms": 5,
    },
    "knee": {
        "rule": "highest rate with achieved >= 95% of offered, no errors, p99 <= 4x the lowest rate's p99",
        "rate": knee, "base_p99_ms": base_p99,
    },
    "rates": runs,
}
with open(result, "w") as handle:
    json.dump(document, handle, indent=2)
    handle.write("\n")

print(f"low load (1 stream, short text): p50 {low_latency.get('p50')} ms, p99 {low_latency.get('p99')} ms "
      f"({low['requests']['failed']} errors; goal p50 <= 5 ms)")
print(f"{'rate':>6} {'achieved':>9} {'tokens/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7} {'late':>6}")
for run in runs:
    cells = [run[k] if run[k] is not None else float("nan") for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")]
    mark = "  <- knee" if run["rate"] == knee else ""
    print(f"{run['rate']:>6.0f} {run['achieved_req_per_s']:>9.1f} {run['tokens_per_s']:>9} "
          + " ".join(f"{c:>8.2f}" for c in cells) + f" {run['errors']:>7} {run['late_sends']:>6}{mark}")
print(f"knee: {knee} req/s" if knee is not None else "knee: none of the rates kept the rules")
print(f"load average before {load_before}, after {load_after}; wrote {result}")
PY
