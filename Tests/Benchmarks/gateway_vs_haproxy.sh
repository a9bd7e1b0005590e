#!/usr/bin/env bash
# Gateway benchmark: the murmur gateway against HAProxy (balance leastconn, HTTP/2 both sides) in
# front of the SAME three `synthetic` murmur nodes, driven by the SAME h2load command, on this machine.
#
# What it does:
#   1. Installs HAProxy with apt-get if it is missing (Debian 12 ships 2.6). Not part of `make test`.
#   2. Starts 3 murmur nodes (model `synthetic`, service time SYNTHETIC_LATENCY_MS, embedding cache off
#      by default so that every request pays that service time: one body is sent over and over, and
#      with the cache on every request after the first would be a cache hit), the murmur gateway,
#      and HAProxy (`mode http`, `balance leastconn`, h2 front door, h2c to the nodes, active checks on
#      GET /ready with inter 2s rise 2 fall 3, no logging). Everything binds 127.0.0.1 only.
#   3. Waits until the gateway sees 3 healthy nodes, HAProxy reports 3 servers UP, and both front doors
#      answer 200 to the benchmark POST.
#   4. Alternates rounds (gateway, haproxy, gateway, haproxy, ...):
#        throughput: h2load -c16 -m8 -D DURATION --warm-up-time 2 -d body.json -H 'content-type: ...'
#        latency:    h2load -c1 -m1 -n LATENCY_REQUESTS -d body.json -H 'content-type: ...'
#      The command lines are identical except for the URL.
#   5. From each h2load --log-file computes req/s (2xx responses over the logged window), p50 and p99
#      latency (microseconds, from the log's latency column); reports the median of the rounds for each
#      side, the best round, and the ratios gateway/haproxy; also how each side spread the requests over
#      the 3 nodes (from the nodes' /metrics before and after each run). Prints a table and writes
#      Tests/Benchmarks/results/gateway-vs-haproxy.json.
#   Every process it starts is stopped on exit (trap), every wait has a deadline, every h2load run is
#   bounded with `timeout`.
#
# How to run (from anywhere; release build first, e.g. `make release`):
#   Tests/Benchmarks/gateway_vs_haproxy.sh
#   MURMUR_BIN=path/to/murmur ROUNDS=5 DURATION=20 Tests/Benchmarks/gateway_vs_haproxy.sh
# Environment (defaults): MURMUR_BIN ($(swift build -c release --show-bin-path)/murmur), ROUNDS (3),
#   DURATION (10, seconds of measurement per throughput run), WARM_UP (2), SYNTHETIC_LATENCY_MS (1),
#   LATENCY_REQUESTS (2000), NODE_CACHE_MAX_ENTRIES (0 = node embedding cache off),
#   BENCH_BASE_PORT (38100; uses BASE+1..BASE+22), STARTUP_TIMEOUT (60 s).
set -euo pipefail
[ -z "${MURMUR_BIN:-}" ] || MURMUR_BIN=$(realpath -m "$MURMUR_BIN")  # before leaving the caller's directory
cd "$(dirname "$0")/../.."
PATH=$PATH:/usr/sbin  # where Debian puts haproxy

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARM_UP=${WARM_UP:-2}
SYNTHETIC_LATENCY_MS=${SYNTHETIC_LATENCY_MS:-1}
LATENCY_REQUESTS=${LATENCY_REQUESTS:-2000}
NODE_CACHE_MAX_ENTRIES=${NODE_CACHE_MAX_ENTRIES:-0}
BASE=${BENCH_BASE_PORT:-38100}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}
RESULT=Tests/Benchmarks/results/gateway-vs-haproxy.json
SUMMARISER=Tests/Benchmarks/gateway_vs_haproxy_summary.py
MURMUR_BIN=${MURMUR_BIN:-"$(swift build -c release --show-bin-path)/murmur"}

fail() { echo "gateway_vs_haproxy: $*" >&2; exit 1; }
for n in ROUNDS DURATION WARM_UP SYNTHETIC_LATENCY_MS LATENCY_REQUESTS NODE_CACHE_MAX_ENTRIES BASE STARTUP_TIMEOUT; do
  [[ ${!n} =~ ^[0-9]+$ ]] || fail "$n must be a whole number, got '${!n}'"
done
((ROUNDS >= 1 && DURATION >= 1)) || fail "ROUNDS and DURATION must be at least 1"
[ -x "$MURMUR_BIN" ] || fail "no murmur binary at MURMUR_BIN=$MURMUR_BIN (build it: make release)"
command -v h2load >/dev/null || fail "h2load is missing (apt-get install nghttp2-client)"
command -v curl >/dev/null || fail "curl is missing (apt-get install curl)"
command -v python3 >/dev/null || fail "python3 is missing"

if ! command -v haproxy >/dev/null; then
  echo "installing haproxy (apt-get)" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -q haproxy >/dev/null 2>&1 ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q haproxy >/dev/null; } ||
    fail "could not install haproxy with apt-get"
fi

# Ports: node i HTTP BASE+i, node i gossip BASE+10+i, gateway gossip BASE+14, gateway BASE+20,
# HAProxy front door BASE+21, HAProxy stats BASE+22.
node_http() { echo $((BASE + $1)); }
node_gossip() { echo $((BASE + 10 + $1)); }
GATEWAY_GOSSIP=$((BASE + 14))
GATEWAY_PORT=$((BASE + 20))
HAPROXY_PORT=$((BASE + 21))
STATS_PORT=$((BASE + 22))
busy=$(ss -Hltnu 2>/dev/null | awk '{print $5}' | sed -E 's/.*:([0-9]+)$/\1/' | sort -u)
for p in $(node_http 1) $(node_http 2) $(node_http 3) $(node_gossip 1) $(node_gossip 2) $(node_gossip 3) \
  $GATEWAY_GOSSIP $GATEWAY_PORT $HAPROXY_PORT $STATS_PORT; do
  ! grep -qx "$p" <<<"$busy" || fail "port $p is in use; pick another BENCH_BASE_PORT"
done

# shellcheck source=processes.sh
source "Tests/Benchmarks/processes.sh"

# One body for every request on both sides.
printf '%s' '{"model":"synthetic","input":["The cluster routes each request to the least loaded healthy replica."]}' >"$work/body.json"
seeds="127.0.0.1:$(node_gossip 1)"

for i in 1 2 3; do
  MURMUR_NODE_SYNTHETIC_LATENCY_MS=$SYNTHETIC_LATENCY_MS MURMUR_NODE_CACHE_MAX_ENTRIES=$NODE_CACHE_MAX_ENTRIES \
    "$MURMUR_BIN" node --name "bench-node-$i" \
    --gossip "127.0.0.1:$(node_gossip "$i")" --http "127.0.0.1:$(node_http "$i")" \
    --model synthetic --seeds "$seeds" >"$work/node-$i.log" 2>&1 &
  pids+=($!)
done
"$MURMUR_BIN" gateway --name bench-gateway --gossip "127.0.0.1:$GATEWAY_GOSSIP" \
  --listen "127.0.0.1:$GATEWAY_PORT" --seeds "$seeds" >"$work/gateway.log" 2>&1 &
pids+=($!)

# HAProxy needs about two descriptors per connection: maxconn 10000, or less if `ulimit -n` is lower
# (far above the 16 connections h2load opens either way).
fd_limit=$(ulimit -n)
[[ $fd_limit =~ ^[0-9]+$ ]] || fd_limit=1000000
maxconn=$(((fd_limit - 100) / 2))
((maxconn > 10000)) && maxconn=10000
((maxconn >= 64)) || fail "ulimit -n is $fd_limit; HAProxy needs more file descriptors"
cat >"$work/haproxy.cfg" <<EOF
global
    maxconn $maxconn
    # no "log" line: HAProxy logs nowhere

defaults
    mode http
    maxconn $maxconn
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 30s
    timeout check 2s

frontend murmur_front
    bind 127.0.0.1:$HAPROXY_PORT proto h2
    default_backend murmur_nodes

backend murmur_nodes
    balance leastconn
    http-reuse always
    # Checks go over h2 like the traffic. The absolute URI makes HAProxy send :authority (with a
    # plain "/ready" its h2 check has no :authority, which the murmur node answers with RST_STREAM).
    option httpchk
    http-check send meth GET uri http://127.0.0.1/ready
    http-check expect status 200
    default-server proto h2 check inter 2s rise 2 fall 3
    server n1 127.0.0.1:$(node_http 1)
    server n2 127.0.0.1:$(node_http 2)
    server n3 127.0.0.1:$(node_http 3)

listen stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /stats
EOF
haproxy -c -q -f "$work/haproxy.cfg" >"$work/haproxy-check.log" 2>&1 ||
  { cat "$work/haproxy-check.log" >&2; fail "HAProxy rejected its configuration"; }
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)

GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT/v1/embeddings"
HAPROXY_URL="http://127.0.0.1:$HAPROXY_PORT/v1/embeddings"

# wait_for <what> <command…>: retries the command until it succeeds or STARTUP_TIMEOUT passes.
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
  curl -sf --max-time 2 "http://127.0.0.1:$GATEWAY_PORT/cluster" 2>/dev/null | python3 -c '
import json, sys
members = json.load(sys.stdin)["members"]
sys.exit(0 if sum(m.get("role") == "node" and m.get("health") == "up" for m in members) == 3 else 1)' 2>/dev/null
}
haproxy_sees_three_nodes() {
  [ "$(curl -sf --max-time 2 "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null |
    awk -F, '$1 == "murmur_nodes" && $2 ~ /^n[0-9]$/ && $18 == "UP"' | wc -l)" = 3 ]
}
answers_200() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --http2-prior-knowledge --max-time 2 \
    -H 'content-type: application/json' --data-binary "@$work/body.json" "$1" 2>/dev/null)" = 200 ]
}
for i in 1 2 3; do
  wait_for "node $i to be ready" curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$(node_http "$i")/ready"
done
wait_for "the gateway to list 3 healthy nodes" gateway_sees_three_nodes
wait_for "HAProxy to mark 3 servers UP" haproxy_sees_three_nodes
wait_for "the gateway to answer 200" answers_200 "$GATEWAY_URL"
wait_for "HAProxy to answer 200" answers_200 "$HAPROXY_URL"

common=(-d "$work/body.json" -H 'content-type: application/json')
if h2load --help 2>&1 | grep -q -- '--warm-up-time'; then
  throughput=(h2load -c16 -m8 -D "$DURATION" --warm-up-time "$WARM_UP" "${common[@]}")
else  # old h2load: a fixed request count instead of a timed run
  throughput=(h2load -c16 -m8 -n $((DURATION * 5000)) "${common[@]}")
fi
latency=(h2load -c1 -m1 -n "$LATENCY_REQUESTS" "${common[@]}")

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
manifest="$work/manifest.tsv"
: >"$manifest"
# Embedding requests each node has answered so far (all statuses), space separated.
node_counts() {
  local i count counts=()
  for i in 1 2 3; do
    count=$(curl -sf --max-time 5 "http://127.0.0.1:$(node_http "$i")/metrics" |
      awk '/^murmur_http_requests_total\{route="\/v1\/embeddings"/ { n += $NF } END { printf "%d", n }') ||
      fail "could not read node $i's /metrics"
    counts+=("$count")
  done
  echo "${counts[*]}"
}
run() {  # run <kind> <side> <round> <url> <h2load command…>
  local kind=$1 side=$2 round=$3 url=$4; shift 4
  local base="$work/$kind-$side-$round" before after
  echo "round $round: $kind against $side" >&2
  before=$(node_counts)
  # In the background and waited for, so that a signal stops the run at once (cleanup stops it).
  timeout $((DURATION + WARM_UP + 120)) "$@" --log-file "$base.tsv" "$url" >"$base.out" 2>&1 &
  load_pid=$!
  wait "$load_pid" || { tail -n 20 "$base.out" >&2; fail "h2load failed ($kind against $side, round $round)"; }
  load_pid=""
  after=$(node_counts)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$side" "$round" "$base.tsv" "$base.out" "$before" "$after" >>"$manifest"
}
for round in $(seq "$ROUNDS"); do
  run throughput gateway "$round" "$GATEWAY_URL" "${throughput[@]}"
  run throughput haproxy "$round" "$HAPROXY_URL" "${throughput[@]}"
done
for round in $(seq "$ROUNDS"); do
  run latency gateway "$round" "$GATEWAY_URL" "${latency[@]}"
  run latency haproxy "$round" "$HAPROXY_URL" "${latency[@]}"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The h2load command as it reads to a person (temporary paths dropped, spaced arguments quoted).
command_text() {
  local out="" arg
  for arg in "$@"; do
    arg=${arg#"$work"/}
    [[ $arg == *" "* ]] && arg="'$arg'"
    out+="$arg "
  done
  echo "${out}URL"
}
mkdir -p "$(dirname "$RESULT")"
python3 "$SUMMARISER" \
  --manifest "$manifest" --output "$RESULT" \
  --throughput-command "$(command_text "${throughput[@]}")" --latency-command "$(command_text "${latency[@]}")" \
  --body "$work/body.json" --synthetic-latency-ms "$SYNTHETIC_LATENCY_MS" --node-cache-max-entries "$NODE_CACHE_MAX_ENTRIES" \
  --haproxy-version "$(haproxy -v | head -n 1)" --h2load-version "$(h2load --version | head -n 1)" \
  --load-before "$load_before" --load-after "$load_after"
