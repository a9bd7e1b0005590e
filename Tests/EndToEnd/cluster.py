"""Starts real `murmur node` and `murmur gateway` processes on loopback for the end-to-end tests."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port() -> int:
    """A port free for both TCP and UDP right now (gossip uses both on one number)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                    udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def get(url: str, timeout: float = 2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None, b""


def wait_until(condition, timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


class Member:
    def __init__(self, role, name, args, log_dir, env):
        self.role, self.name = role, name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def signal(self, sig):
        if self.process.poll() is None:
            self.process.send_signal(sig)

    def stop(self, timeout=15):
        self.signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
        finally:
            self.log.close()

    def output(self) -> str:
        self.log.flush()
        with open(self.log_path, "rb") as handle:
            return handle.read().decode(errors="replace")


class Cluster:
    """N nodes and one gateway, all seeded through the first node's gossip address."""

    def __init__(self, murmur_bin, log_dir, nodes=3, models=("synthetic",), extra_env=None):
        self.bin, self.log_dir = murmur_bin, log_dir
        self.env = dict(os.environ)
        self.env.update(
            {
                "MURMUR_GOSSIP_PROBE_INTERVAL": "200ms",
                "MURMUR_GOSSIP_PROBE_TIMEOUT": "100ms",
                "MURMUR_GOSSIP_GOSSIP_INTERVAL": "50ms",
                "MURMUR_GATEWAY_HEALTH_CHECK_INTERVAL": "500ms",
                "MURMUR_GATEWAY_HEALTH_CHECK_FAST_INTERVAL": "100ms",
                "MURMUR_GATEWAY_HEALTH_CHECK_TIMEOUT": "500ms",
                "MURMUR_NODE_SYNTHETIC_LATENCY_MS": "2",
            }
        )
        self.env.update(extra_env or {})
        self.models = list(models)
        self.nodes = {}
        self.seed = None
        for index in range(nodes):
            self.start_node(f"node-{index + 1}")
        gossip, self.gateway_port = free_port(), free_port()
        self.gateway = Member(
            "gateway",
            "gateway",
            [self.bin, "gateway", "--name", "gateway", "--gossip", f"127.0.0.1:{gossip}",
             "--listen", f"127.0.0.1:{self.gateway_port}", "--seeds", self.seed],
            log_dir,
            self.env,
        )
        self.url = f"http://127.0.0.1:{self.gateway_port}"

    def start_node(self, name, http_port=None, gossip_port=None):
        gossip = gossip_port or free_port()
        http = http_port or free_port()
        if self.seed is None:
            self.seed = f"127.0.0.1:{gossip}"
        args = [self.bin, "node", "--name", name, "--gossip", f"127.0.0.1:{gossip}",
                "--http", f"127.0.0.1:{http}", "--seeds", self.seed]
        for model in self.models:
            args += ["--model", model]
        member = Member("node", name, args, self.log_dir, self.env)
        member.http_port, member.gossip_port = http, gossip
        self.nodes[name] = member
        return member

    def node_url(self, name) -> str:
        return f"http://127.0.0.1:{self.nodes[name].http_port}"

    def status(self) -> dict:
        code, body = get(self.url + "/cluster")
        return json.loads(body) if code == 200 else {"members": []}

    def healthy_nodes(self) -> set:
        return {m["name"] for m in self.status()["members"] if m.get("role") == "node" and m.get("health") == "up"}

    def wait_ready(self, count=None, timeout=60.0) -> bool:
        count = len(self.nodes) if count is None else count
        return wait_until(lambda: len(self.healthy_nodes()) >= count and get(self.url + "/ready")[0] == 200, timeout)

    def metric(self, name: str, **labels) -> float | None:
        """One sample of the gateway's /metrics, or None when it is absent."""
        code, body = get(self.url + "/metrics")
        if code != 200:
            return None
        wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
        for line in body.decode().splitlines():
            if line.startswith(wanted + " "):
                return float(line.split()[-1])
        return None

    def stop(self):
        members = list(self.nodes.values()) + [self.gateway]
        for member in members:
            member.signal(signal.SIGTERM)
        for member in members:
            member.stop()
