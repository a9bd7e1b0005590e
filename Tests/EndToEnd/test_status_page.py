"""The gateway's status page and its `/cluster` document, end to end: three `murmur node`s and a
`murmur gateway` as real processes, real traffic, and a real browser (headless Chromium) reading
`GET /`."""
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from html import unescape

import pytest

from cluster import Cluster, get, wait_until

ROW = re.compile(r'<tr class="member" data-name="([^"]*)" data-health="([^"]*)" data-state="([^"]*)"')
SCRIPT = re.compile(r"<script.*?</script>", re.S)


def markup(html):
    """The page without its scripts (whose source builds the same markup)."""
    return SCRIPT.sub("", html)


@pytest.fixture(scope="module")
def cluster(murmur_bin, tmp_path_factory):
    running = Cluster(murmur_bin, str(tmp_path_factory.mktemp("logs")), nodes=3)
    try:
        assert running.wait_ready(), running.gateway.output()
        yield running
    finally:
        running.stop()


def embed(url, texts):
    body = json.dumps({"model": "synthetic", "input": texts}).encode()
    request = urllib.request.Request(
        url + "/v1/embeddings", data=body, headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status == 200
        return json.loads(response.read())


def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: run 'make' (it installs it) or 'apt-get install chromium'")
    return path


def browse(url, *flags):
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", *flags, url]
    done = subprocess.run(command, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode(errors="replace")


def test_cluster_document_has_the_status_fields(cluster):
    for batch in range(60):
        embed(cluster.url, [f"status page sentence {batch}-{index}" for index in range(4)])
    status = cluster.status()
    members = {member["name"]: member for member in status["members"]}
    nodes = [member for member in status["members"] if member["role"] == "node"]
    assert sorted(member["name"] for member in nodes) == ["node-1", "node-2", "node-3"]

    for member in status["members"]:
        assert isinstance(member["started_at"], (int, float)), member
        assert 0 <= member["uptime_s"] < 3600, member
        assert member["health"] in ("up", "down", "draining", "starting")
    assert members["gateway"]["ring_share"] is None

    # The gateway saw requests go to every node, with latencies, over its ten-second window.
    for node in nodes:
        assert node["requests_per_s"] > 0, node
        assert 0 < node["p50_ms"] <= node["p99_ms"] < 10_000, node
    # Every model's ring is shared out completely.
    shares = {}
    for node in nodes:
        for model, share in node["ring_shares"].items():
            shares[model] = shares.get(model, 0) + share
        assert 0 < node["ring_share"] < 1
    assert shares.keys() == {"synthetic"}
    assert abs(shares["synthetic"] - 1) < 1e-6, shares

    assert status["summary"] == {"nodes": 3, "ready": 3, "suspect": 0, "down": 0, "draining": 0,
                                 "left": 0, "verdict": "3/3 nodes ready, 0 suspect"}
    gateway = status["gateway"]
    assert gateway["requests_per_s"] > 0 and gateway["errors_per_s"] == 0
    assert 0 < gateway["p50_ms"] <= gateway["p99_ms"]
    assert gateway["in_flight"] >= 0

    joined = {event["member"] for event in status["events"] if event["kind"] == "joined"}
    assert {"node-1", "node-2", "node-3"} <= joined, status["events"]
    times = [event["at"] for event in status["events"]]
    assert times == sorted(times, reverse=True) and len(times) <= 100
    assert all(hint["severity"] in ("info", "warning", "critical") for hint in status["hints"])
    assert not [hint for hint in status["hints"] if hint["severity"] != "info"], status["hints"]

    # A node's own document knows start times but none of the gateway's figures.
    code, body = get(cluster.node_url("node-1") + "/cluster")
    assert code == 200
    own = json.loads(body)
    assert "gateway" not in own and "events" not in own
    assert all("requests_per_s" not in member and member["started_at"] for member in own["members"])


def test_status_page_renders_every_member(cluster, tmp_path):
    status = cluster.status()
    with urllib.request.urlopen(cluster.url + "/", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-store"
        served = markup(response.read().decode())
    # Rendered on the server: the rows are there before any script runs.
    assert {name for name, _, _ in ROW.findall(served)} == {member["name"] for member in status["members"]}
    assert "<link" not in served and "src=" not in served

    dom = markup(browse(cluster.url + "/", "--dump-dom"))
    rows = {name: (health, state) for name, health, state in ROW.findall(dom)}
    assert rows == {member["name"]: (member["health"], member["state"]) for member in status["members"]}, dom
    verdict = re.search(r'<div id="verdict" class="verdict ok">([^<]*)</div>', dom)
    assert verdict and unescape(verdict.group(1)) == "3/3 nodes ready, 0 suspect", dom
    assert 'data-field="requests_per_s"' in dom
    assert re.search(r'<li class="event" data-kind="joined" data-member="node-1">', dom), dom

    screenshot = tmp_path / "status.png"
    browse(cluster.url + "/", f"--screenshot={screenshot}", "--window-size=1280,900")
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("MURMUR_STATUS_SCREENSHOT"):
        shutil.copy(screenshot, os.environ["MURMUR_STATUS_SCREENSHOT"])


def test_a_repeated_text_shows_a_cache_hit_rate(cluster):
    """Nodes gossip their cache's lookups and hits every few seconds; the same text sent again and
    again hits the cache of the node(s) owning it, and the gateway shows that node's rate."""
    for member in cluster.status()["members"]:
        assert "cache_hit_rate" in member, member
        rate = member["cache_hit_rate"]
        assert rate is None or 0 <= rate <= 1, member
    text = "a sentence the cache should remember"

    def owner_hits():
        for _ in range(10):
            embed(cluster.url, [text])
        rates = [member["cache_hit_rate"] for member in cluster.status()["members"] if member["role"] == "node"]
        return any(rate is not None and rate > 0.5 for rate in rates)

    # A node republishes its load at most every 5 s: a few windows are plenty.
    assert wait_until(owner_hits, timeout=30, interval=0.2), cluster.status()["members"]
    status = cluster.status()
    assert next(member for member in status["members"] if member["name"] == "gateway")["cache_hit_rate"] is None
    pages = []

    def page_shows_a_rate():
        for _ in range(10):
            embed(cluster.url, [text])
        with urllib.request.urlopen(cluster.url + "/", timeout=10) as response:
            pages.append(markup(response.read().decode()))
        shown = re.findall(r'<td class="cache num">(\d+\.\d)%</td>', pages[-1])
        return any(float(percent) > 50 for percent in shown)

    assert wait_until(page_shows_a_rate, timeout=30, interval=0.2), pages[-1]
    assert "<th>Cache hits</th>" in pages[-1]


def test_a_restarted_node_shows_as_restarted(cluster):
    """Runs last: node-3 stops (drains, leaves) and a new process takes its name and ports."""
    before = {member["name"]: member for member in cluster.status()["members"]}["node-3"]
    old = cluster.nodes["node-3"]
    old.stop()

    def node3():
        return {member["name"]: member for member in cluster.status()["members"]}.get("node-3", {})

    assert wait_until(lambda: node3().get("state") in ("left", "dead"), 30), cluster.status()
    def counted_as_gone():
        # A node that left on purpose is counted apart from the nodes; one that vanished counts as down.
        summary = cluster.status()["summary"]
        return summary["left" if node3().get("state") == "left" else "down"] == 1

    assert wait_until(counted_as_gone, 10), cluster.status()
    restarted_at = time.time()
    cluster.start_node("node-3", http_port=old.http_port, gossip_port=old.gossip_port)

    def kinds():
        return [event["kind"] for event in cluster.status()["events"] if event["member"] == "node-3"]

    assert wait_until(lambda: "node-3" in cluster.healthy_nodes() and "restarted" in kinds(), 60), kinds()
    events = kinds()
    assert events.index("restarted") < events.index("left"), events  # newest first
    after = node3()
    assert after["started_at"] > before["started_at"], (before, after)
    assert after["incarnation"] > before["incarnation"]
    # Uptime counts from the new process's start, not the old one's.
    assert after["uptime_s"] <= time.time() - restarted_at + 0.5, after
