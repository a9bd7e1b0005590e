"""Slow-but-alive nodes end to end: `murmur node` ×3 + `murmur gateway` as real processes under h2load,
one node frozen with SIGSTOP (as a long GC pause, a VM stall or a starved CPU would freeze it) and
thawed with SIGCONT. Nothing may fail, the frozen node must be avoided while frozen and taken back
after, and gossip must only ever suspect it: a member declared dead loses its place until it
refutes, and with it every request when it is the last one serving."""
import json
import signal
import subprocess
import threading
import time

import pytest

from cluster import Cluster, get, wait_until

FREEZE_SECONDS = 3.0


@pytest.fixture(scope="module")
def cluster(murmur_bin, tmp_path_factory):
    running = Cluster(murmur_bin, str(tmp_path_factory.mktemp("logs")), nodes=3)
    try:
        assert running.wait_ready(), running.gateway.output()
        yield running
    finally:
        for member in running.nodes.values():
            member.signal(signal.SIGCONT)
        running.stop()


def h2load(url, body_path, requests, clients=16, streams=8, timeout=180):
    command = ["h2load", "-n", str(requests), "-c", str(clients), "-m", str(streams), "-d", body_path,
               "-H", "content-type: application/json", url]
    started = time.monotonic()
    output = subprocess.run(command, capture_output=True, timeout=timeout).stdout.decode()
    fields, codes = {}, ""
    for line in output.splitlines():
        if line.startswith("requests:"):
            fields = dict(part.strip().split(" ", 1)[::-1] for part in line[len("requests:"):].split(","))
        if line.startswith("status codes:"):
            codes = line
    return fields, codes, output, time.monotonic() - started


def node_requests(cluster, name) -> float:
    """Embedding requests a node has answered with 200, from its own /metrics."""
    code, body = get(cluster.node_url(name) + "/metrics")
    assert code == 200, body
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith("murmur_http_requests_total{") and 'route="/v1/embeddings"' in line and 'status="200"' in line:
            total += float(line.split()[-1])
    return total


def events_about(cluster, name) -> list:
    code, body = get(cluster.url + "/cluster")
    assert code == 200, body
    return [event["kind"] for event in json.loads(body)["events"] if event["member"] == name]


def test_a_node_frozen_for_seconds_costs_no_request_and_is_never_declared_dead(cluster, tmp_path):
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"model": "synthetic", "input": ["the quick brown fox", "jumps over the lazy dog"]}))
    victim_name = "node-2"
    victim = cluster.nodes[victim_name]
    # Size the run to last about 10 s on this machine, whatever its load.
    fields, _, output, seconds = h2load(cluster.url + "/v1/embeddings", str(body), requests=2000)
    assert fields.get("succeeded") == "2000", output
    requests = max(int(2000 / seconds * 10), 4000)
    events_before = len(events_about(cluster, victim_name))

    observed = {}

    def freeze_and_thaw():
        victim.signal(signal.SIGSTOP)
        frozen_at = time.monotonic()
        # The gateway stops routing to it (gossip suspects it, or its checks time out)...
        if wait_until(lambda: cluster.metric("murmur_backend_up", backend=victim_name) == 0.0, FREEZE_SECONDS, 0.01):
            observed["avoided_after"] = time.monotonic() - frozen_at
            time.sleep(0.3)
            # ...and sends it nothing more: its in-flight count stays where the freeze caught it.
            observed["in_flight_then"] = cluster.metric("murmur_backend_in_flight", backend=victim_name)
            time.sleep(max(0.0, FREEZE_SECONDS - 0.2 - (time.monotonic() - frozen_at)))
            observed["in_flight_later"] = cluster.metric("murmur_backend_in_flight", backend=victim_name)
        time.sleep(max(0.0, FREEZE_SECONDS - (time.monotonic() - frozen_at)))
        victim.signal(signal.SIGCONT)
        thawed_at = time.monotonic()
        observed["frozen_for"] = thawed_at - frozen_at
        if wait_until(lambda: victim_name in cluster.healthy_nodes(), 20, 0.05):
            observed["readmitted_after"] = time.monotonic() - thawed_at

    chaos = threading.Timer(1.0, freeze_and_thaw)
    chaos.start()
    fields, codes, output, seconds = h2load(cluster.url + "/v1/embeddings", str(body), requests=requests)
    chaos.join()
    print(f"frozen node under h2load ({requests} requests in {seconds:.1f} s): {observed}")
    assert fields.get("failed") == "0" and fields.get("errored") == "0", output
    assert "0 4xx, 0 5xx" in codes, output
    assert "avoided_after" in observed, observed
    assert observed["in_flight_then"] == observed["in_flight_later"], observed
    assert "readmitted_after" in observed, (observed, cluster.status())

    # Suspected while frozen, alive again after, and never dead in the gateway's view.
    every_event = events_about(cluster, victim_name)
    events = every_event[: len(every_event) - events_before]
    print(f"gateway events about {victim_name}, newest first: {events}")
    assert "suspect" in events, events
    assert "dead" not in events, events
    states = {m["name"]: m["state"] for m in cluster.status()["members"]}
    assert states[victim_name] == "alive", states

    # Taken back: it answers new requests routed by the gateway again.
    before = node_requests(cluster, victim_name)
    fields, codes, output, _ = h2load(cluster.url + "/v1/embeddings", str(body), requests=3000)
    assert fields.get("succeeded") == "3000", output
    assert node_requests(cluster, victim_name) > before
