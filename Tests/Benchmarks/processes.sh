# Sourced by the benchmark harnesses: a scratch directory ($work), the processes they start ($pids) and
# the load generator running now ($load_pid), all stopped on exit (SIGTERM, then SIGKILL after 5 s).
# When the harness fails, the last lines of every log in $work are shown. Also: free_port and
# use_release_binary (which needs the harness's `fail`).
work=$(mktemp -d)
pids=()
load_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -z "$load_pid" ] || { kill -TERM "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; }
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if ((status != 0)); then
    for log in "$work"/*.log; do
      [ -s "$log" ] && { echo "--- last lines of $(basename "$log")" >&2; tail -n 15 "$log" >&2; }
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port free for both TCP and UDP right now (gossip uses both on one number).
free_port() {
  python3 -c '
import socket
while True:
    with socket.socket() as tcp:
        tcp.bind(("127.0.0.1", 0)); port = tcp.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp: udp.bind(("127.0.0.1", port))
        except OSError: continue
        print(port); break'
}

# MURMUR_BIN as given, or the release build (built first).
use_release_binary() {
  if [ -z "${MURMUR_BIN:-}" ]; then
    echo "building release" >&2
    swift build -c release >&2 || fail "release build failed"
    MURMUR_BIN="$(swift build -c release --show-bin-path)/murmur"
  fi
  [ -x "$MURMUR_BIN" ] || fail "no murmur binary at MURMUR_BIN=$MURMUR_BIN"
}
