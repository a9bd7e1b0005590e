"""`murmur up` end to end: the supervisor starts a gateway and nodes as real child processes, restarts
a killed one, gives up on one that cannot start, and stops everything on SIGTERM — or, when it is
itself SIGKILLed, its children follow it (PR_SET_PDEATHSIG). Clients are curl and urllib."""
import json
import os
import queue
import random
import re
import signal
import socket
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request

from cluster import get, wait_until

FAST_GOSSIP = {
    "MURMUR_GOSSIP_PROBE_INTERVAL": "200ms",
    "MURMUR_GOSSIP_PROBE_TIMEOUT": "100ms",
    "MURMUR_GOSSIP_GOSSIP_INTERVAL": "50ms",
    "MURMUR_GATEWAY_HEALTH_CHECK_INTERVAL": "500ms",
    "MURMUR_GATEWAY_HEALTH_CHECK_FAST_INTERVAL": "100ms",
    "MURMUR_GATEWAY_HEALTH_CHECK_TIMEOUT": "500ms",
    "MURMUR_NODE_DRAIN_TIMEOUT": "5s",
}
MEMBER_LINE = re.compile(r"^(\S+)\s+(ready|crash-looping|restarting|loading|starting)\s+http (\S+)\s+gossip (\S+)\s+pid (\S+)\s+log (\S+)$")


def port_is_free(port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def ephemeral_ports_start() -> int:
    """Where the kernel's range for outgoing connections' source ports begins (they may take any port in it)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_block(count: int) -> int:
    """The first of `count` consecutive ports, below the ephemeral range, all free for TCP and UDP now."""
    high = max(12000, ephemeral_ports_start()) - count
    for _ in range(200):
        base = random.randint(10000, high)
        if all(port_is_free(base + offset) for offset in range(count)):
            return base
    raise AssertionError(f"no {count} consecutive free ports found")


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie nobody reaped yet counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def curl_embed(url: str, text: str):
    body = json.dumps({"model": "synthetic", "input": text})
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--http2-prior-knowledge", "-H", "content-type: application/json",
         "--data-binary", body, "-w", "\n%{http_code}", url + "/v1/embeddings"],
        capture_output=True, timeout=30,
    )
    output, _, status = result.stdout.decode().rpartition("\n")
    return int(status or 0), output


def member(up, name: str) -> dict | None:
    """`name`'s entry in the gateway's /cluster document, or None."""
    code, body = get(up.url + "/cluster")
    if code != 200:
        return None
    return next((entry for entry in json.loads(body)["members"] if entry["name"] == name), None)


def post(url: str, token: str | None):
    request = urllib.request.Request(url, data=b"", method="POST")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Up:
    """One `murmur up` run in its own run directory, with its stdout read line by line."""

    def __init__(self, murmur_bin, run_dir, nodes=2, env_extra=None, start=True):
        self.nodes = nodes
        block = free_block(2 * nodes + 2)
        self.base_port, self.gossip_base_port, self.gateway_port = block, block + nodes, block + 2 * nodes + 1
        self.run_dir = str(run_dir)
        env = dict(os.environ)
        env.update(FAST_GOSSIP)
        env.pop("MURMUR_ADMIN_TOKEN", None)
        env.update(env_extra or {})
        self.args = [
            murmur_bin, "up", "--model", "synthetic", "--nodes", str(nodes),
            "--gateway-port", str(self.gateway_port), "--base-port", str(self.base_port),
            "--gossip-base-port", str(self.gossip_base_port), "--run-dir", self.run_dir,
        ]
        self.env = env
        self.lines: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        self.url = f"http://127.0.0.1:{self.gateway_port}"
        self.pids: dict[str, int] = {}
        self.process = None
        if start:
            self.start()

    def start(self):
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.process.stdout:
            self._queue.put(raw.decode(errors="replace").rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match:
        """Reads output until a line matches `pattern` (every line read is kept in `lines`)."""
        compiled = re.compile(pattern)
        for line in self.lines:
            if match := compiled.search(line):
                return match
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if match := compiled.search(line):
                return match
        raise AssertionError(f"no line matching {pattern!r} within {timeout}s; output so far:\n" + self.output())

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_summary(self, timeout: float = 90.0) -> dict:
        """Waits for the start-up summary; returns {name: (state, http, gossip, pid, log)}."""
        self.wait_for(r"^admin token", timeout)
        members = {}
        for line in self.lines:
            if match := MEMBER_LINE.match(line):
                name, state, http, gossip, pid, log = match.groups()
                members[name] = (state, http, gossip, pid, log)
                if pid != "-":
                    self.pids[name] = int(pid)
        return members

    def log(self, name: str) -> str:
        with open(os.path.join(self.run_dir, "logs", f"{name}.log"), errors="replace") as handle:
            return handle.read()

    def stop(self, timeout: float = 60.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._reader.join(timeout=5)
            while True:
                try:
                    line = self._queue.get_nowait()
                except queue.Empty:
                    break
                if line is not None:
                    self.lines.append(line)

    def kill_everything(self):
        """Clean-up after a failed test: no process of this run may outlive it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for pid in self.pids.values():
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def processes_of_this_run(self) -> list[str]:
        """`ps` lines of processes using this run's ports (every child's arguments name them)."""
        marker = f"127.0.0.1:{self.gossip_base_port}"
        listing = subprocess.run(["ps", "-eo", "pid,stat,args"], capture_output=True, check=True).stdout.decode()
        return [line for line in listing.splitlines() if marker in line and " Z" not in line]


def test_up_serves_restarts_a_killed_node_and_stops_cleanly(murmur_bin, tmp_path):
    up = Up(murmur_bin, tmp_path / "run", nodes=3)
    try:
        members = up.wait_summary()
        assert up.wait_for(r"^gateway\s+http://").string.endswith(up.url)
        assert set(members) == {"node-0", "node-1", "node-2", "gateway"}, up.output()
        for index in range(3):
            state, http, gossip, pid, log = members[f"node-{index}"]
            assert state == "ready"
            assert http == f"127.0.0.1:{up.base_port + index}"
            assert gossip == f"127.0.0.1:{up.gossip_base_port + index}"
            assert log.endswith(f"logs/node-{index}.log") and os.path.exists(log)
        assert members["gateway"][2] == f"127.0.0.1:{up.gossip_base_port + 3}"
        assert all(alive(pid) for pid in up.pids.values())
        assert wait_until(lambda: get(up.url + "/ready")[0] == 200, timeout=30)

        status, body = curl_embed(up.url, "hello from murmur up")
        assert status == 200, body
        assert len(json.loads(body)["data"][0]["embedding"]) == 384

        # The generated admin token: 64 hex digits, readable by its owner only, and what the nodes accept.
        token_path = os.path.join(up.run_dir, "admin-token")
        assert stat.S_IMODE(os.stat(token_path).st_mode) == 0o600
        token = open(token_path).read().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", token)
        node_url = f"http://127.0.0.1:{up.base_port}"
        code, _ = post(node_url + "/admin/resume", token)
        admin_endpoints = code != 404  # they exist once issue 5's part "admin" is in
        if admin_endpoints:
            assert code == 200
            assert post(node_url + "/admin/resume", "wrong" + token)[0] == 403
            assert post(node_url + "/admin/resume", None)[0] == 401
            # A node restarting itself (execve) keeps its pid: the supervisor sees no exit.
            before = member(up, "node-0")["incarnation"]
            assert post(node_url + "/admin/restart", token)[0] == 202

            def rejoined():
                entry = member(up, "node-0")
                return entry is not None and entry["incarnation"] > before and entry["health"] == "up"

            assert wait_until(rejoined, timeout=60), up.log("node-0")
            assert alive(up.pids["node-0"])

        # SIGKILL a node: the supervisor restarts it with a new pid and it serves again.
        old = up.pids["node-1"]
        os.kill(old, signal.SIGKILL)
        up.wait_for(r"^node-1 exited \(signal 9\); restarting in \d+(\.\d)?s$", timeout=15)
        new = int(up.wait_for(r"^node-1 back \(pid (\d+)\)$", timeout=60).group(1))
        assert new != old and alive(new) and not alive(old)
        up.pids["node-1"] = new
        status, body = curl_embed(f"http://127.0.0.1:{up.base_port + 1}", "served by the restarted node")
        assert status == 200, body
        assert "=== murmur up: starting node-1" in up.log("node-1").split("\n", 1)[1]

        # SIGTERM: every child stops (nodes first, the gateway last) and the supervisor exits 0.
        assert up.stop(timeout=60) == 0, up.output()
        assert up.lines[-1] == "stopped", up.output()
        stopped = [line for line in up.lines if re.match(r"^(node-\d|gateway) stopped", line)]
        assert stopped[-1].startswith("gateway stopped"), up.output()
        assert not [name for name, pid in up.pids.items() if alive(pid)]
        assert up.processes_of_this_run() == []
        # Only the SIGKILLed node was restarted (an admin restart is no exit).
        assert [line.split()[0] for line in up.lines if " exited (" in line] == ["node-1"], up.output()
    finally:
        up.kill_everything()


def test_a_child_that_cannot_start_is_reported_as_crash_looping(murmur_bin, tmp_path):
    up = Up(murmur_bin, tmp_path / "run", nodes=2, start=False)
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # node-1's HTTP port is taken before the cluster starts.
        holder.bind(("127.0.0.1", up.base_port + 1))
        holder.listen()
        up.start()
        line = up.wait_for(r"^node-1 is crash-looping: it exited 5 times within 60s", timeout=90).string
        assert "logs/node-1.log" in line, line
        members = up.wait_summary(timeout=60)
        assert members["node-1"][0] == "crash-looping" and members["node-1"][3] == "-"
        assert members["node-0"][0] == "ready" and members["gateway"][0] == "ready"
        status, body = curl_embed(up.url, "the rest of the cluster still serves")
        assert status == 200, body
        assert up.stop(timeout=60) == 0, up.output()
        # Started exactly five times, then left down.
        assert up.log("node-1").count("=== murmur up: starting node-1") == 5
        assert len([line for line in up.lines if line.startswith("node-1 exited")]) == 4
        assert not [name for name, pid in up.pids.items() if alive(pid)]
        assert up.processes_of_this_run() == []
    finally:
        holder.close()
        up.kill_everything()


def test_children_follow_a_sigkilled_supervisor(murmur_bin, tmp_path):
    up = Up(murmur_bin, tmp_path / "run", nodes=1)
    try:
        up.wait_summary()
        assert len(up.pids) == 2 and all(alive(pid) for pid in up.pids.values())
        up.process.kill()
        up.process.wait(timeout=10)
        assert wait_until(lambda: not any(alive(pid) for pid in up.pids.values()), timeout=60), [
            pid for pid in up.pids.values() if alive(pid)
        ]
        assert wait_until(lambda: up.processes_of_this_run() == [], timeout=10)
    finally:
        up.kill_everything()


def test_bad_options_are_one_line_and_exit_2(run, tmp_path):
    cases = [
        (["--nodes", "0"], "--nodes 0"),
        (["--model", "nope"], "--model nope"),
        (["--base-port", "9000", "--gateway-port", "9001"], "overlaps"),
        (["--base-port", "65534"], "1-65535"),
        (["--nodes", "many"], "--nodes"),
    ]
    for args, expected in cases:
        result = run("up", "--run-dir", str(tmp_path / "run"), *args, timeout=30)
        lines = result.stderr.decode().strip().splitlines()
        assert result.returncode == 2, (args, result.stderr)
        assert len(lines) == 1 and expected in lines[0], (args, lines)
    assert not (tmp_path / "run").exists()
