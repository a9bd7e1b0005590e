"""Gossip with a key (`cluster.gossip_keys`): whoever lacks the key learns nothing and changes nothing.

Two real clusters of 3 nodes + gateway run side by side: K with a gossip key, U without (same build,
same member names). In each, a 4th member joins and is killed, and a rogue socket takes over its
gossip port (UDP and TCP): the others keep probing and gossiping to it for a while, so the rogue
receives real cluster traffic. From U it reads names and addresses in the clear (which shows the
check can fail); from K it must see none. U's captured plaintext packets, which speak of U's
members by the same names (including a member U declared dead), are then replayed to every node of
K: K's membership must not move. Last, a node started without the key, seeded with K, must never
appear in K, nor learn anything of K."""
import base64
import json
import os
import select
import signal
import socket
import threading
import time

import pytest

from cluster import Cluster, Member, free_port, get, wait_until

KEY = base64.b64encode(bytes(range(7, 39))).decode()  # 32 bytes: AES-256
NODES = ("node-1", "node-2", "node-3")
# What a listener without the key must not learn: member names, addresses, served models.
SECRETS = (b"node-", b"gateway", b"127.0.0.1", b"synthetic", b"intruder")


class Rogue:
    """A UDP socket and a TCP listener on one port that keep every byte they receive."""

    def __init__(self, port):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.udp.bind(("127.0.0.1", port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", port))
        self.tcp.listen(16)
        self.datagrams, self.streams = [], {}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def _receive(self):
        connections = []
        try:
            while not self.done.is_set():
                ready, _, _ = select.select([self.udp, self.tcp] + connections, [], [], 0.05)
                for sock in ready:
                    if sock is self.udp:
                        data, _ = self.udp.recvfrom(65536)
                        with self.lock:
                            self.datagrams.append(data)
                    elif sock is self.tcp:
                        connection, _ = self.tcp.accept()
                        connections.append(connection)
                        with self.lock:
                            self.streams[connection.fileno()] = bytearray()
                    else:
                        data = sock.recv(65536)
                        if data:
                            with self.lock:
                                self.streams[sock.fileno()] += data
                        else:
                            connections.remove(sock)
                            sock.close()
        finally:
            for connection in connections:
                connection.close()

    def received(self):
        with self.lock:
            return list(self.datagrams), [bytes(stream) for stream in self.streams.values()]

    def close(self):
        self.done.set()
        self.thread.join(timeout=5)
        self.udp.close()
        self.tcp.close()


def view(url) -> dict:
    """{name: (state, incarnation)} as the member at `url` sees the cluster."""
    code, body = get(url + "/cluster")
    assert code == 200, body
    return {m["name"]: (m["state"], m["incarnation"]) for m in json.loads(body)["members"]}


def start_cluster(murmur_bin, log_dir, keyed):
    os.makedirs(log_dir, exist_ok=True)
    return Cluster(murmur_bin, log_dir, nodes=3, extra_env={"MURMUR_CLUSTER_GOSSIP_KEYS": KEY} if keyed else None)


@pytest.fixture(scope="module")
def clusters(murmur_bin, tmp_path_factory):
    saved = os.environ.pop("MURMUR_CLUSTER_GOSSIP_KEYS", None)
    started = []
    try:
        for name, keyed in (("keyed", True), ("plain", False)):
            started.append(start_cluster(murmur_bin, str(tmp_path_factory.mktemp(name)), keyed))
        for cluster in started:
            assert cluster.wait_ready(), cluster.gateway.output()
        yield {"keyed": started[0], "plain": started[1]}
    finally:
        for cluster in started:
            cluster.stop()
        if saved is not None:
            os.environ["MURMUR_CLUSTER_GOSSIP_KEYS"] = saved


def capture_at_dead_member(cluster, also_kill=None):
    """Joins `node-4`, kills it, listens on its gossip port until cluster traffic arrives; with
    `also_kill`, kills that node too while listening, so the traffic speaks of its death."""
    member = cluster.start_node("node-4")
    assert wait_until(lambda: view(cluster.node_url("node-1")).get("node-4", ("",))[0] == "alive", 30), \
        member.output()
    member.process.kill()
    member.process.wait()
    rogue = Rogue(member.gossip_port)
    try:
        if also_kill:
            cluster.nodes[also_kill].process.kill()
            cluster.nodes[also_kill].process.wait()
            assert wait_until(lambda: view(cluster.node_url("node-1")).get(also_kill, ("",))[0] == "dead", 30)
        assert wait_until(lambda: len(rogue.received()[0]) >= 20, 30), "no gossip reached the dead member's port"
    finally:
        rogue.close()
    return rogue.received()


def test_gossip_without_the_key_learns_nothing_and_changes_nothing(clusters, murmur_bin, tmp_path):
    keyed, plain = clusters["keyed"], clusters["plain"]

    # The plaintext cluster's traffic names its members in the clear: the check below can fail.
    plain_datagrams, _ = capture_at_dead_member(plain, also_kill="node-3")
    assert any(b"node-" in packet for packet in plain_datagrams)
    assert any(b"node-3" in packet for packet in plain_datagrams)

    # (a) The keyed cluster's traffic, UDP and any push-pull over TCP, gives nothing away.
    keyed_datagrams, keyed_streams = capture_at_dead_member(keyed)
    assert len(keyed_datagrams) >= 20
    for payload in keyed_datagrams + keyed_streams:
        for secret in SECRETS:
            assert secret not in payload, f"{secret!r} readable in a {len(payload)}-byte packet"
        assert (keyed.seed.split(":")[1]).encode() not in payload

    # (b) Real plaintext packets, about members with the same names (node-3 dead, node-4 suspect),
    # replayed to every keyed node change nothing there and take nothing down.
    urls = [keyed.node_url(name) for name in NODES]
    before = [view(url) for url in urls]
    for name in NODES:
        assert all(seen[name][0] == "alive" for seen in before)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for _ in range(3):
            for name in NODES:
                for packet in plain_datagrams:
                    sender.sendto(packet, ("127.0.0.1", keyed.nodes[name].gossip_port))
            time.sleep(0.2)
    finally:
        sender.close()
    # Several probe periods (200 ms here) for a wrongly accepted accusation to show as a suspicion
    # or a refutation (a higher incarnation).
    time.sleep(2.0)
    after = [view(url) for url in urls]
    for seen_before, seen_after in zip(before, after):
        for name in NODES + ("gateway",):
            assert seen_after[name] == seen_before[name], (name, seen_before, seen_after)
        assert set(seen_after) == set(seen_before)
    for name in NODES:
        assert keyed.nodes[name].process.poll() is None, keyed.nodes[name].output()
        # ... and each refusal is counted where an operator looks: /metrics, by reason.
        code, body = get(keyed.node_url(name) + "/metrics")
        assert code == 200
        refused = [line for line in body.decode().splitlines()
                   if line.startswith('murmur_gossip_dropped_total{transport="udp",reason="unencrypted"}')]
        assert refused and float(refused[0].split()[-1]) >= 3 * len(plain_datagrams), refused

    # (c) A node without the key, seeded with the keyed cluster, never gets in and learns nothing.
    gossip, http = free_port(), free_port()
    env = {key: value for key, value in keyed.env.items() if key != "MURMUR_CLUSTER_GOSSIP_KEYS"}
    intruder = Member(
        "node", "intruder",
        [murmur_bin, "node", "--name", "intruder", "--gossip", f"127.0.0.1:{gossip}",
         "--http", f"127.0.0.1:{http}", "--seeds", keyed.seed, "--model", "synthetic"],
        str(tmp_path), env,
    )
    try:
        assert wait_until(lambda: get(f"http://127.0.0.1:{http}/health")[0] == 200, 30), intruder.output()
        # Join attempts are retried with back-off from 1 s: give it several.
        time.sleep(4.0)
        for url in urls + [keyed.url]:
            assert "intruder" not in view(url)
        assert set(view(f"http://127.0.0.1:{http}")) == {"intruder"}
        assert intruder.process.poll() is None
    finally:
        intruder.signal(signal.SIGTERM)
        intruder.stop()
