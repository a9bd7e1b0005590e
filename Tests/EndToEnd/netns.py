"""A network-namespace lab for multi-host cluster tests: one Linux network namespace per host, each
with a veth into a bridge in the root namespace and its own address in a private /24, and helpers
to inject real network faults (iptables drops, link down, tc netem loss) and to run `murmur`
members inside the hosts.

Everything the lab creates is named after the test process's pid (so runs never collide) and is
removed when the lab closes, even after a failure: member process groups, namespaces (with their
veth ends, iptables rules and qdiscs), root-side veths and the bridge."""
import ipaddress
import itertools
import json
import os
import re
import signal
import subprocess
import threading
import time

from cluster import get as http_get, wait_until  # noqa: F401 (wait_until is re-exported to the tests)

GOSSIP_PORT = 7946
NODE_HTTP_PORT = 9000
GATEWAY_PORT = 8080


class LabError(RuntimeError):
    """A lab command failed; the message has the command and what it printed."""


def sh(*args, check=True, namespace=None, timeout=30) -> subprocess.CompletedProcess:
    """Runs a command (inside `namespace` when given); raises LabError naming it when it fails."""
    command = [str(arg) for arg in args]
    if namespace is not None:
        command = ["ip", "netns", "exec", namespace, *command]
    result = subprocess.run(command, capture_output=True, timeout=timeout)
    if check and result.returncode != 0:
        raise LabError(f"`{' '.join(command)}` exited {result.returncode}: {result.stderr.decode().strip()}")
    return result


def unavailable_reason() -> str | None:
    """Why this machine cannot host a lab (not root, or namespaces are not permitted), else None.

    Only those two reasons count: any other failure of `ip netns add` is a real error for the tests."""
    if os.geteuid() != 0:
        return "network-namespace tests need root (ip netns, veth, bridge, iptables, tc)"
    probe = f"murmur-probe-{os.getpid()}"
    result = sh("ip", "netns", "add", probe, check=False)
    if result.returncode != 0:
        message = result.stderr.decode().strip()
        if "Operation not permitted" in message or "Permission denied" in message:
            return f"`ip netns add` is not permitted here: {message}"
        raise LabError(f"`ip netns add {probe}` failed: {message}")
    sh("ip", "netns", "del", probe)
    return None


def _used_networks() -> list:
    """Every IPv4 network the root namespace has an address or a route in."""
    networks = []
    for line in sh("ip", "-4", "-o", "addr", "show").stdout.decode().splitlines():
        match = re.search(r"inet (\S+)", line)
        if match:
            networks.append(ipaddress.ip_interface(match.group(1)).network)
    for line in sh("ip", "-4", "route", "show", "table", "all").stdout.decode().splitlines():
        first = line.split()[0] if line.split() else ""
        if first in ("default", "broadcast", "local", "unreachable", "blackhole", "prohibit"):
            continue
        try:
            networks.append(ipaddress.ip_network(first, strict=False))
        except ValueError:
            continue
    return networks


def pick_subnet() -> ipaddress.IPv4Network:
    """A 10.231.<k>.0/24 that overlaps nothing the root namespace knows, starting at a pid-derived k."""
    used = _used_networks()
    start = os.getpid() % 250
    for offset in range(250):
        candidate = ipaddress.ip_network(f"10.231.{(start + offset) % 250 + 1}.0/24")
        if not any(candidate.overlaps(network) for network in used):
            return candidate
    raise LabError("no free 10.231.<k>.0/24 for the lab: every one overlaps an address or route here")


class Process:
    """A `murmur` member running inside a host's namespace, in its own process group."""

    def __init__(self, host, role, name, args, env, log_dir):
        self.host, self.role, self.name = host, role, name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", host.namespace, *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )

    @property
    def http_url(self) -> str:
        port = GATEWAY_PORT if self.role == "gateway" else NODE_HTTP_PORT
        return f"http://{self.host.address}:{port}"

    def view(self) -> dict:
        """This member's own `/cluster`: {name: state} (empty when it does not answer)."""
        code, body = http_get(self.http_url + "/cluster")
        if code != 200:
            return {}
        return {member["name"]: member["state"] for member in json.loads(body)["members"]}

    def status(self) -> dict:
        code, body = http_get(self.http_url + "/cluster")
        return json.loads(body) if code == 200 else {}

    def terminate(self):
        """SIGTERM to the whole process group (a graceful stop: nodes drain, then exit)."""
        self._signal_group(signal.SIGTERM)

    def stop(self, timeout: float = 15.0):
        """SIGTERM to the whole process group, then SIGKILL if it has not exited in `timeout`."""
        try:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=timeout)
        finally:
            # Whatever else the group started goes with it.
            self._signal_group(signal.SIGKILL)
            self.log.close()

    def _signal_group(self, sig):
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def output(self) -> str:
        self.log.flush()
        with open(self.log_path, "rb") as handle:
            return handle.read().decode(errors="replace")


class Host:
    """One namespace: `eth0` (a veth whose peer is on the lab bridge) with `address`/24, and `lo` up."""

    def __init__(self, lab, index: int, name: str):
        self.lab, self.index, self.name = lab, index, name
        self.namespace = f"murmur-{lab.tag}-{name}"
        # Interface names are at most 15 bytes: "mv" + tag (pid, "x", serial) + "h" + index fits.
        self.veth = f"mv{lab.tag}h{index}"
        self.address = str(lab.subnet.network_address + 10 + index)
        # How loss was added (see add_loss), so remove_loss undoes exactly that.
        self.loss: str | list | None = None

    def run(self, *args, check=True) -> subprocess.CompletedProcess:
        return sh(*args, check=check, namespace=self.namespace)

    # Faults --------------------------------------------------------------------------------------

    def drop_gossip(self):
        """Drops every UDP and TCP packet to or from the gossip port, in and out of this host."""
        self.run("iptables", "-w", "-N", "murmur-cut")
        for protocol in ("udp", "tcp"):
            for direction in ("--dport", "--sport"):
                self.run("iptables", "-w", "-A", "murmur-cut", "-p", protocol, direction, GOSSIP_PORT, "-j", "DROP")
        self.run("iptables", "-w", "-I", "INPUT", "-j", "murmur-cut")
        self.run("iptables", "-w", "-I", "OUTPUT", "-j", "murmur-cut")

    def restore_gossip(self):
        self.run("iptables", "-w", "-D", "INPUT", "-j", "murmur-cut")
        self.run("iptables", "-w", "-D", "OUTPUT", "-j", "murmur-cut")
        self.run("iptables", "-w", "-F", "murmur-cut")
        self.run("iptables", "-w", "-X", "murmur-cut")

    def block_peers(self, peers):
        """Drops everything to and from each of `peers` (a partition, from this side)."""
        self.run("iptables", "-w", "-N", "murmur-partition")
        for peer in peers:
            self.run("iptables", "-w", "-A", "murmur-partition", "-s", peer.address, "-j", "DROP")
            self.run("iptables", "-w", "-A", "murmur-partition", "-d", peer.address, "-j", "DROP")
        self.run("iptables", "-w", "-I", "INPUT", "-j", "murmur-partition")
        self.run("iptables", "-w", "-I", "OUTPUT", "-j", "murmur-partition")

    def unblock_peers(self):
        self.run("iptables", "-w", "-D", "INPUT", "-j", "murmur-partition")
        self.run("iptables", "-w", "-D", "OUTPUT", "-j", "murmur-partition")
        self.run("iptables", "-w", "-F", "murmur-partition")
        self.run("iptables", "-w", "-X", "murmur-partition")

    def link(self, up: bool):
        """The root-side end of this host's veth up or down: down is the host gone from the network."""
        sh("ip", "link", "set", self.veth, "up" if up else "down")

    def add_loss(self, percent: float) -> str:
        """Random loss of `percent` % of the packets crossing this host (so every packet between two
        hosts crosses one lossy hop); returns how. `tc qdisc add dev eth0 root netem loss` where the
        kernel has netem; kernels built without it (some VM kernels) get the same loss from the
        iptables `statistic` match on arrival (a silent drop, as on a wire: an OUTPUT drop would
        hand the sender an EPERM instead)."""
        result = self.run("tc", "qdisc", "add", "dev", "eth0", "root", "netem", "loss", f"{percent}%", check=False)
        if result.returncode == 0:
            self.loss = "netem"
            return "tc netem on each host's eth0 (egress)"
        if b"qdisc kind is unknown" not in result.stderr:
            raise LabError(f"tc netem on {self.name}: {result.stderr.decode().strip()}")
        self.loss = ["-m", "statistic", "--mode", "random", "--probability", f"{percent / 100:.4f}", "-j", "DROP"]
        self.run("iptables", "-w", "-I", "INPUT", *self.loss)
        return "iptables statistic DROP on each host's INPUT (this kernel has no netem)"

    def remove_loss(self):
        if self.loss == "netem":
            self.run("tc", "qdisc", "del", "dev", "eth0", "root")
        elif self.loss is not None:
            self.run("iptables", "-w", "-D", "INPUT", *self.loss)
        self.loss = None

    # Accounting ----------------------------------------------------------------------------------

    def count_gossip(self):
        """iptables rules that only count (no target) gossip bytes in and out, each packet once:
        UDP gossip goes from port to port (to the port in, from it out); push-pull TCP has the port
        on one end only (ours when we answer, theirs when we ask)."""
        rules = [("INPUT", "udp", "--dport"), ("OUTPUT", "udp", "--sport")]
        rules += [(chain, "tcp", end) for chain in ("INPUT", "OUTPUT") for end in ("--dport", "--sport")]
        for chain, protocol, end in rules:
            self.run("iptables", "-w", "-A", chain, "-p", protocol, end, GOSSIP_PORT)

    def gossip_bytes(self) -> dict:
        """Bytes counted by `count_gossip` so far: {"in": {"udp": n, "tcp": n}, "out": {…}} (IP bytes)."""
        totals = {"in": {"udp": 0, "tcp": 0}, "out": {"udp": 0, "tcp": 0}}
        rule = re.compile(rf"^\[(\d+):(\d+)\] -A (INPUT|OUTPUT) -p (udp|tcp) -m \4 --[ds]port {GOSSIP_PORT}$")
        for line in self.run("iptables-save", "-c", "-t", "filter").stdout.decode().splitlines():
            match = rule.match(line)
            if match:
                direction = "in" if match.group(3) == "INPUT" else "out"
                totals[direction][match.group(4)] += int(match.group(2))
        return totals


class Lab:
    """A bridge with an address in the root namespace (so this process reaches every host) and any
    number of hosts. Use as a context manager; `close` undoes everything and never raises on a
    resource that is already gone."""

    _serial = itertools.count()

    def __init__(self, murmur_bin: str, log_dir: str, env: dict | None = None):
        self.murmur_bin, self.log_dir = murmur_bin, log_dir
        # Unique per run and per lab within it; short, since interface names have at most 15 bytes.
        self.tag = f"{os.getpid()}x{next(Lab._serial)}"
        self.bridge = f"mbr{self.tag}"
        self.hosts: dict[str, Host] = {}
        self.processes: dict[str, Process] = {}
        self.env = dict(os.environ)
        self.env.update(env or {})
        self._bridge_created = False
        try:
            self.subnet = pick_subnet()
            self.address = str(self.subnet.network_address + 1)
            sh("ip", "link", "add", self.bridge, "type", "bridge")
            self._bridge_created = True
            sh("ip", "addr", "add", f"{self.address}/24", "dev", self.bridge)
            sh("ip", "link", "set", self.bridge, "up")
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def add_host(self, name: str) -> Host:
        host = Host(self, len(self.hosts) + 1, name)
        self.hosts[name] = host
        sh("ip", "netns", "add", host.namespace)
        sh("ip", "link", "add", host.veth, "type", "veth", "peer", "name", "eth0", "netns", host.namespace)
        sh("ip", "link", "set", host.veth, "master", self.bridge)
        sh("ip", "link", "set", host.veth, "up")
        host.run("ip", "link", "set", "lo", "up")
        host.run("ip", "addr", "add", f"{host.address}/24", "dev", "eth0")
        host.run("ip", "link", "set", "eth0", "up")
        return host

    def seeds(self, names) -> str:
        return ",".join(f"{self.hosts[name].address}:{GOSSIP_PORT}" for name in names)

    def start_node(self, name: str, seeds: str, extra_env: dict | None = None) -> Process:
        host = self.hosts.get(name) or self.add_host(name)
        gossip = f"{host.address}:{GOSSIP_PORT}"
        args = [self.murmur_bin, "node", "--name", name, "--gossip", gossip,
                "--http", f"{host.address}:{NODE_HTTP_PORT}", "--seeds", seeds, "--model", "synthetic"]
        env = dict(self.env, MURMUR_GOSSIP_ADVERTISE=gossip, **(extra_env or {}))
        process = Process(host, "node", name, args, env, self.log_dir)
        self.processes[name] = process
        return process

    def start_gateway(self, name: str, seeds: str, extra_env: dict | None = None) -> Process:
        host = self.hosts.get(name) or self.add_host(name)
        gossip = f"{host.address}:{GOSSIP_PORT}"
        args = [self.murmur_bin, "gateway", "--name", name, "--gossip", gossip,
                "--listen", f"{host.address}:{GATEWAY_PORT}", "--seeds", seeds]
        env = dict(self.env, MURMUR_GOSSIP_ADVERTISE=gossip, **(extra_env or {}))
        process = Process(host, "gateway", name, args, env, self.log_dir)
        self.processes[name] = process
        return process

    def views(self, names=None) -> dict:
        """{observer: {member: state}} from each running member's own `/cluster`."""
        names = list(self.processes) if names is None else names
        return {name: self.processes[name].view() for name in names}

    def close(self):
        errors = []
        # Every member is asked to stop first, so they drain at the same time.
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.stop()
            except Exception as error:  # keep tearing down; report at the end
                errors.append(f"stopping {process.name}: {error}")
        for host in self.hosts.values():
            # Deleting the namespace removes its veth end (and with it the pair), its iptables rules
            # and its qdiscs.
            result = sh("ip", "netns", "del", host.namespace, check=False)
            if result.returncode != 0 and b"No such file" not in result.stderr:
                errors.append(result.stderr.decode().strip())
            sh("ip", "link", "del", host.veth, check=False)
        if self._bridge_created:
            result = sh("ip", "link", "del", self.bridge, check=False)
            if result.returncode != 0 and b"Cannot find device" not in result.stderr:
                errors.append(result.stderr.decode().strip())
        if errors:
            raise LabError("lab teardown left things behind: " + "; ".join(errors))


def leftovers(tag: str) -> list:
    """Namespaces and links of the lab `tag` that still exist (empty after a clean teardown)."""
    names = [line.split()[0] for line in sh("ip", "netns", "list").stdout.decode().splitlines() if line.strip()]
    found = [name for name in names if name.startswith(f"murmur-{tag}-")]
    links = sh("ip", "-o", "link", "show").stdout.decode()
    found += re.findall(rf"\b(mbr{tag}|mv{tag}h\d+)\b", links)
    return found


class Load:
    """A well-behaved client: back-to-back `h2load -c4 -m4 --rps R -n N` runs against `url` until
    stopped (N sized for about `chunk_seconds` a run), each run's counts added up, so a fault at any
    moment is covered by some run. Runs are sized by count, not by `-D` duration: at the end of a
    timed run h2load drops the requests still in flight without counting them, so their fate would
    go unseen (and the gateway sees clients vanish mid-request)."""

    def __init__(self, url: str, body_path: str, rps_per_client: int = 25, chunk_seconds: int = 4):
        requests = 4 * rps_per_client * chunk_seconds
        self.command = ["h2load", "-c4", "-m4", f"--rps={rps_per_client}", "-n", str(requests),
                        "-d", body_path, "-H", "content-type: application/json", url]
        self.totals = {"done": 0, "succeeded": 0, "failed": 0, "errored": 0, "timeout": 0,
                       "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}
        self.runs = 0
        self.outputs = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._error = None

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _loop(self):
        try:
            while not self._stop.is_set():
                result = subprocess.run(self.command, capture_output=True, timeout=120)
                self._add(result.stdout.decode())
        except Exception as error:  # surfaced by stop()
            self._error = error

    def _add(self, output: str):
        self.runs += 1
        for line in output.splitlines():
            if line.startswith("requests:"):
                for part in line[len("requests:"):].split(","):
                    count, word = part.strip().split(" ", 1)
                    if word in self.totals:
                        self.totals[word] += int(count)
            elif line.startswith("status codes:"):
                for part in line[len("status codes:"):].split(","):
                    count, word = part.strip().split(" ", 1)
                    self.totals[word] += int(count)
        if not any(line.startswith("requests:") for line in output.splitlines()):
            self.totals["errored"] += 1
        self.outputs.append(output)

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.totals

    @property
    def failures(self) -> int:
        """Requests that did not end in a 2xx (failed, errored, timed out, or any non-2xx status)."""
        t = self.totals
        return t["failed"] + t["errored"] + t["timeout"] + t["3xx"] + t["4xx"] + t["5xx"]

    def summary(self) -> str:
        return f"{self.runs} h2load runs: {self.totals}"
