#!/usr/bin/env bash
# Soak test: a steady open-loop rate through the gateway to 3 nodes for SOAK_SECONDS (10 minutes by
# default), checking that nothing leaks and latency does not drift.
#
# What it does:
#   1. Builds release (unless MURMUR_BIN is given) and starts 3 `murmur node` processes serving MODEL
#      (the real all-MiniLM-L6-v2 by default) and a `murmur gateway`. The nodes' embedding cache is off by
#      default (CACHE_ENTRIES=0): a filling cache grows memory by design, which would hide a leak.
#   2. Runs `murmur bench --rate RATE` in back-to-back windows of WINDOW seconds (a new set of connections
#      each window, so connection set-up and tear-down are soaked too) with generated texts of LENGTHS
#      words, and samples every process's resident memory (VmRSS) and open file descriptors every
#      SAMPLE_EVERY seconds.
#   3. Prints one line per window (req/s, errors, p50, p99, RSS and fds of the gateway and the nodes) and
#      a verdict, and writes Tests/Benchmarks/results/soak.json. It fails (exit 1) when a request failed,
#      when a process's RSS at the end is more than RSS_GROWTH_PERCENT above its RSS after the first
#      SETTLE windows (allocators and caches settle first), when the open fds at the end exceed those after
#      the first window by more than FD_SLACK, or when the last window's p99 is above P99_DRIFT times the
#      median window p99.
#
# How to run: make soak        (or: SOAK_SECONDS=120 RATE=20 Tests/Benchmarks/soak.sh)
# Environment (defaults): MURMUR_BIN (release build), MURMUR_MODEL_DIR (.models/all-MiniLM-L6-v2),
#   MODEL (all-MiniLM-L6-v2; "synthetic" soaks the serving path alone), SOAK_SECONDS (600), WINDOW (60),
#   RATE (30 req/s), LENGTHS (8-64), CONCURRENCY (4), STREAMS (8), SAMPLE_EVERY (5), SETTLE (2),
#   RSS_GROWTH_PERCENT (10), FD_SLACK (8), P99_DRIFT (3), CACHE_ENTRIES (0), STARTUP_TIMEOUT (120).
set -euo pipefail
[ -z "${MURMUR_BIN:-}" ] || MURMUR_BIN=$(realpath -m "$MURMUR_BIN")
[ -z "${MURMUR_MODEL_DIR:-}" ] || MURMUR_MODEL_DIR=$(realpath -m "$MURMUR_MODEL_DIR")
cd "$(dirname "$0")/../.."

MODEL=${MODEL:-all-MiniLM-L6-v2}
SOAK_SECONDS=${SOAK_SECONDS:-600}
WINDOW=${WINDOW:-60}
RATE=${RATE:-30}
LENGTHS=${LENGTHS:-8-64}
CONCURRENCY=${CONCURRENCY:-4}
STREAMS=${STREAMS:-8}
SAMPLE_EVERY=${SAMPLE_EVERY:-5}
SETTLE=${SETTLE:-2}
RSS_GROWTH_PERCENT=${RSS_GROWTH_PERCENT:-10}
FD_SLACK=${FD_SLACK:-8}
P99_DRIFT=${P99_DRIFT:-3}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}
CACHE_ENTRIES=${CACHE_ENTRIES:-0}
export MURMUR_MODEL_DIR=${MURMUR_MODEL_DIR:-$PWD/.models/all-MiniLM-L6-v2}
RESULT=Tests/Benchmarks/results/soak.json

fail() { echo "soak: $*" >&2; exit 1; }
for n in SOAK_SECONDS WINDOW RATE CONCURRENCY STREAMS SAMPLE_EVERY SETTLE RSS_GROWTH_PERCENT FD_SLACK P99_DRIFT \
  STARTUP_TIMEOUT; do
  [[ ${!n} =~ ^[0-9]+$ ]] && ((${!n} > 0)) || fail "$n must be a whole number > 0, got '${!n}'"
done
[[ $CACHE_ENTRIES =~ ^[0-9]+$ ]] || fail "CACHE_ENTRIES must be a whole number, got '$CACHE_ENTRIES'"
((SOAK_SECONDS >= WINDOW * (SETTLE + 1))) || fail "SOAK_SECONDS must cover at least SETTLE+1 windows of WINDOW seconds"
command -v curl >/dev/null || fail "curl is missing (apt-get install curl)"
command -v python3 >/dev/null || fail "python3 is missing"
if [ "$MODEL" != synthetic ]; then
  [ -f "$MURMUR_MODEL_DIR/model.safetensors" ] || fail "no model in $MURMUR_MODEL_DIR (run 'make model')"
fi
# shellcheck source=processes.sh
source "Tests/Benchmarks/processes.sh"
use_release_binary

seed_gossip=""
names=()
for i in 1 2 3; do
  gossip=$(free_port); http=$(free_port)
  [ -n "$seed_gossip" ] || seed_gossip="127.0.0.1:$gossip"
  MURMUR_NODE_SYNTHETIC_LATENCY_MS=1 MURMUR_NODE_CACHE_MAX_ENTRIES=$CACHE_ENTRIES \
    "$MURMUR_BIN" node --name "soak-node-$i" --gossip "127.0.0.1:$gossip" --http "127.0.0.1:$http" \
    --model "$MODEL" --seeds "$seed_gossip" >"$work/node-$i.log" 2>&1 &
  pids+=($!)
  names+=("node-$i")
done
gateway_port=$(free_port)
"$MURMUR_BIN" gateway --name soak-gateway --gossip "127.0.0.1:$(free_port)" \
  --listen "127.0.0.1:$gateway_port" --seeds "$seed_gossip" >"$work/gateway.log" 2>&1 &
pids+=($!)
names+=("gateway")
URL="http://127.0.0.1:$gateway_port"

deadline=$((SECONDS + STARTUP_TIMEOUT))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --http2-prior-knowledge --max-time 5 \
  -H 'content-type: application/json' --data-binary "{\"model\":\"$MODEL\",\"input\":\"ready?\"}" \
  "$URL/v1/embeddings" 2>/dev/null)" = 200 ] && curl -sf --max-time 2 "$URL/cluster" | python3 -c '
import json, sys
members = json.load(sys.stdin)["members"]
sys.exit(0 if sum(m.get("role") == "node" and m.get("health") == "up" for m in members) == 3 else 1)' 2>/dev/null
do
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a process exited during start-up"; done
  ((SECONDS < deadline)) || fail "the cluster was not ready after ${STARTUP_TIMEOUT}s"
  sleep 0.5
done

# Samples "<elapsed seconds> <name> <VmRSS kB> <open fds>" for every process until killed.
sample() {
  local start=$SECONDS
  while true; do
    for index in "${!pids[@]}"; do
      local pid=${pids[$index]}
      local rss fds
      rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
      echo "$((SECONDS - start)) ${names[$index]} ${rss:-0} $fds"
    done
    sleep "$SAMPLE_EVERY"
  done
}
sample >"$work/samples.txt" &
sampler=$!
pids+=("$sampler")

windows=$((SOAK_SECONDS / WINDOW))
echo "soak: $windows windows of ${WINDOW}s at $RATE req/s, model $MODEL, $CONCURRENCY connections x $STREAMS streams" >&2
for w in $(seq 1 "$windows"); do
  timeout $((WINDOW + 120)) "$MURMUR_BIN" bench --url "$URL" --json --model "$MODEL" --rate "$RATE" \
    --duration "${WINDOW}s" --concurrency "$CONCURRENCY" --streams-per-connection "$STREAMS" \
    --lengths "$LENGTHS" --seed "$w" --texts 20000 >"$work/window-$w.json" 2>"$work/bench.err" &
  load_pid=$!
  wait "$load_pid" || { cat "$work/bench.err" >&2; fail "murmur bench failed in window $w"; }
  load_pid=""
  # The window's last sample: what every process holds after it.
  for index in "${!names[@]}"; do
    pid=${pids[$index]}
    kill -0 "$pid" 2>/dev/null || fail "${names[$index]} exited during window $w"
    echo "$w ${names[$index]} $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status") \
$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)" >>"$work/after-window.txt"
  done
  python3 - "$work/window-$w.json" "$w" "$work/after-window.txt" <<'PY' >&2
import json, sys
s, w, after = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
lat = s.get("latency_ms") or {}
rows = [l.split() for l in open(after) if l.split()[0] == w]
mem = " ".join(f"{name} {int(rss) / 1024:.1f} MB/{fds} fd" for _, name, rss, fds in rows)
print(f"window {w:>3}: {s['req_per_s']:7.1f} req/s  failed {s['requests']['failed']}  "
      f"p50 {lat.get('p50', 0):6.2f} ms  p99 {lat.get('p99', 0):7.2f} ms  | {mem}")
PY
done
kill "$sampler" 2>/dev/null || true

mkdir -p "$(dirname "$RESULT")"
python3 - "$RESULT" "$work" "$windows" "$SETTLE" "$RSS_GROWTH_PERCENT" "$FD_SLACK" "$P99_DRIFT" "$MODEL" "$RATE" \
  "$WINDOW" "$CACHE_ENTRIES" "$("$MURMUR_BIN" --version)" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import datetime, json, os, statistics, sys
(result, work, windows, settle, growth_percent, fd_slack, drift, model, rate, window, cache, version,
 load) = sys.argv[1:]
windows, settle, growth_percent, fd_slack, drift = int(windows), int(settle), float(growth_percent), int(fd_slack), float(drift)
runs = []
for w in range(1, windows + 1):
    s = json.load(open(f"{work}/window-{w}.json"))
    lat = s.get("latency_ms") or {}
    runs.append({"window": w, "req_per_s": round(s["req_per_s"], 1), "requests": s["requests"]["total"],
                 "failed": s["requests"]["failed"], "p50_ms": lat.get("p50"), "p99_ms": lat.get("p99"),
                 "max_ms": lat.get("max")})
after = {}
for line in open(f"{work}/after-window.txt"):
    w, name, rss, fds = line.split()
    after.setdefault(name, {})[int(w)] = (int(rss), int(fds))
samples = [line.split() for line in open(f"{work}/samples.txt") if len(line.split()) == 4]
problems = []
failed = sum(r["failed"] for r in runs)
if failed:
    problems.append(f"{failed} requests failed")
processes = {}
for name, by_window in after.items():
    rss_settled, _ = by_window[settle]
    _, fds_first = by_window[1]
    rss_end, fds_end = by_window[windows]
    growth = 100.0 * (rss_end - rss_settled) / rss_settled
    processes[name] = {"rss_mb_after_window": {w: round(v[0] / 1024, 1) for w, v in sorted(by_window.items())},
                       "fds_after_window": {w: v[1] for w, v in sorted(by_window.items())},
                       "rss_growth_percent_after_settling": round(growth, 2),
                       "peak_rss_mb": round(max(int(s[2]) for s in samples if s[1] == name) / 1024, 1)}
    if growth > growth_percent:
        problems.append(f"{name}: RSS grew {growth:.1f}% after window {settle} (limit {growth_percent}%)")
    if fds_end > fds_first + fd_slack:
        problems.append(f"{name}: open fds {fds_first} -> {fds_end}")
p99s = [r["p99_ms"] for r in runs if r["p99_ms"] is not None]
median_p99 = statistics.median(p99s) if p99s else None
if median_p99 and p99s[-1] > drift * median_p99:
    problems.append(f"last window p99 {p99s[-1]:.1f} ms is above {drift}x the median {median_p99:.1f} ms")
document = {
    "benchmark": "soak: murmur bench at a steady open-loop rate -> murmur gateway -> 3 nodes",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"cores": os.cpu_count(), "load_average_after": load},
    "setup": {"murmur": version, "model": model, "rate": int(rate), "window_seconds": int(window),
              "node_cache_max_entries": int(cache),
              "windows": windows},
    "windows": runs, "processes": processes,
    "p99_ms": {"median": median_p99, "min": min(p99s) if p99s else None, "max": max(p99s) if p99s else None},
    "verdict": "pass" if not problems else "fail", "problems": problems,
}
json.dump(document, open(result, "w"), indent=2)
print()
for name, p in processes.items():
    series = list(p["rss_mb_after_window"].values())
    print(f"{name:8} RSS MB after each window: {' '.join(f'{v:.0f}' for v in series)}; "
          f"growth after settling {p['rss_growth_percent_after_settling']:+.1f}%; "
          f"fds {p['fds_after_window'][1]} -> {p['fds_after_window'][windows]}")
print(f"requests {sum(r['requests'] for r in runs)}, failed {failed}; p99 median {median_p99} ms, "
      f"range {document['p99_ms']['min']}-{document['p99_ms']['max']} ms")
print("verdict:", document["verdict"], *(f"\n  - {p}" for p in problems))
print(f"wrote {result}")
sys.exit(0 if not problems else 1)
PY
