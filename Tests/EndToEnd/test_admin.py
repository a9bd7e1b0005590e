"""Node admin endpoints end to end: `murmur node` ×3 + `murmur gateway` as real processes, started from
a copy of the binary so a restart can be shown to run a replaced file. Clients nobody here wrote: curl
(HTTP/1.1 and h2c prior knowledge) and h2load."""
import json
import os
import shutil
import subprocess
import threading
import time

import pytest

from cluster import Cluster, free_port, get, wait_until

TOKEN = "e2e-admin-token_0123456789"


@pytest.fixture(scope="module")
def binary_copy(murmur_bin, tmp_path_factory):
    """The binary copied to a path the tests may replace while processes run from it."""
    path = tmp_path_factory.mktemp("bin") / "murmur"
    shutil.copy2(murmur_bin, path)
    return str(path)


@pytest.fixture(scope="module")
def cluster(binary_copy, tmp_path_factory):
    running = Cluster(binary_copy, str(tmp_path_factory.mktemp("logs")), nodes=3,
                      extra_env={"MURMUR_ADMIN_TOKEN": TOKEN, "MURMUR_NODE_DRAIN_TIMEOUT": "10s"})
    try:
        assert running.wait_ready(), running.gateway.output()
        yield running
    finally:
        running.stop()


def curl(url, *args, method="POST", token=None, http2=False):
    """Status, lower-cased headers and body of one request made with curl."""
    command = ["curl", "-sS", "--max-time", "20", "-X", method, "-D", "-", "-o", "-"]
    command.append("--http2-prior-knowledge" if http2 else "--http1.1")
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}"]
    command += [*args, url]
    output = subprocess.run(command, capture_output=True, check=True).stdout.decode()
    head, _, body = output.partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def admin(cluster, name, action, token=TOKEN, http2=False):
    status, _, body = curl(cluster.node_url(name) + f"/admin/{action}", token=token, http2=http2)
    return status, json.loads(body)


def member(cluster, name):
    for entry in cluster.status()["members"]:
        if entry["name"] == name:
            return entry
    return None


def embeddings_served(url) -> float:
    """Embeddings requests a node has answered, whatever their status (from its /metrics)."""
    code, body = get(url + "/metrics")
    assert code == 200
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith("murmur_http_requests_total{") and 'route="/v1/embeddings"' in line:
            total += float(line.split()[-1])
    return total


def texts(prefix, count):
    return [f"{prefix} text number {index}" for index in range(count)]


def send_through_gateway(cluster, inputs):
    body = json.dumps({"model": "synthetic", "input": inputs})
    status, _, answer = curl(cluster.url + "/v1/embeddings", "-H", "content-type: application/json",
                             "--data-binary", body, http2=True)
    assert status == 200, answer
    assert len(json.loads(answer)["data"]) == len(inputs)


def h2load(url, body_path, requests, clients=4, streams=4, timeout=300):
    command = ["h2load", "-n", str(requests), "-c", str(clients), "-m", str(streams), "-d", body_path,
               "-H", "content-type: application/json", url]
    output = subprocess.run(command, capture_output=True, timeout=timeout).stdout.decode()
    fields, codes = {}, ""
    for line in output.splitlines():
        if line.startswith("requests:"):
            fields = dict(part.strip().split(" ", 1)[::-1] for part in line[len("requests:"):].split(","))
        if line.startswith("status codes:"):
            codes = line
    return fields, codes, output


def restart_and_wait(cluster, name):
    """Restarts `name` through its admin endpoint; returns (pid, incarnation before) once the gateway
    sees it back up at a higher incarnation."""
    before = member(cluster, name)
    process = cluster.nodes[name].process
    status, body = admin(cluster, name, "restart")
    assert status == 202 and body["state"] == "restarting", body
    assert isinstance(body["in_flight"], int)

    def back():
        now = member(cluster, name)
        return (now is not None and now["state"] == "alive" and now["health"] == "up"
                and now["incarnation"] > before["incarnation"])

    assert wait_until(back, timeout=60, interval=0.1), (member(cluster, name), cluster.nodes[name].output())
    assert process.poll() is None, cluster.nodes[name].output()
    return process.pid, before["incarnation"]


def test_admin_authorization_over_http1_and_h2c(cluster):
    url = cluster.node_url("node-2")
    for http2 in (False, True):
        for action in ("drain", "resume", "restart"):
            status, headers, body = curl(f"{url}/admin/{action}", http2=http2)
            assert status == 401, body
            assert headers.get("www-authenticate") == "Bearer"
            assert json.loads(body)["error"]["type"] == "authentication_error"

            status, headers, body = curl(f"{url}/admin/{action}", "-H", "Authorization: Basic dXNlcjpwYXNz",
                                         http2=http2)
            assert status == 401, body

            status, _, body = curl(f"{url}/admin/{action}", token="not-" + TOKEN, http2=http2)
            assert status == 403, body
            assert json.loads(body)["error"]["type"] == "permission_error"

            for method in ("GET", "PUT", "DELETE"):
                status, headers, body = curl(f"{url}/admin/{action}", method=method, token=TOKEN, http2=http2)
                assert status == 405, (method, body)
                assert headers.get("allow") == "POST"
                assert "error" in json.loads(body)

            # The gateway does not serve admin endpoints: admin is per node.
            status, _, body = curl(f"{cluster.url}/admin/{action}", token=TOKEN, http2=http2)
            assert status == 404, body
        # Drain and resume with the right token, over both protocols.
        status, headers, body = curl(f"{url}/admin/resume", token=TOKEN, http2=http2)
        assert status == 200 and json.loads(body) == {"state": "ready", "in_flight": 0}
        assert headers.get("content-type") == "application/json"
    # None of the refused requests did anything.
    assert get(url + "/ready")[0] == 200


def test_a_node_without_a_token_refuses_admin(murmur_bin, tmp_path):
    http = free_port()
    gossip = free_port()
    env = {k: v for k, v in os.environ.items() if k != "MURMUR_ADMIN_TOKEN"}
    with open(tmp_path / "lone.log", "wb") as log:
        process = subprocess.Popen(
            [murmur_bin, "node", "--name", "lone", "--gossip", f"127.0.0.1:{gossip}", "--http", f"127.0.0.1:{http}",
             "--model", "synthetic"], stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            url = f"http://127.0.0.1:{http}"
            assert wait_until(lambda: get(url + "/ready")[0] == 200, timeout=30)
            for token in (None, TOKEN):
                for http2 in (False, True):
                    status, _, body = curl(url + "/admin/drain", token=token, http2=http2)
                    assert status == 403, body
                    error = json.loads(body)["error"]
                    assert error["message"] == "admin endpoints are disabled: no admin token is configured"
                    assert error["type"] == "permission_error"
            assert get(url + "/ready")[0] == 200
        finally:
            process.terminate()
            assert process.wait(timeout=20) == 0


def test_drain_stops_new_requests_and_resume_brings_the_node_back(cluster):
    name, url = "node-2", cluster.node_url("node-2")
    status, body = admin(cluster, name, "drain")
    assert status == 200 and body["state"] == "draining", body
    # Idempotent: draining again polls the count.
    assert wait_until(lambda: admin(cluster, name, "drain")[1] == {"state": "draining", "in_flight": 0}, timeout=20)
    assert get(url + "/ready")[0] == 503
    assert wait_until(lambda: member(cluster, name)["health"] == "draining", timeout=10), member(cluster, name)
    # In gossip too: the node's own view says draining with nothing in flight.
    code, document = get(url + "/cluster")
    mine = [m for m in json.loads(document)["members"] if m["name"] == name][0]
    assert mine["health"] == "draining" and mine["in_flight"] == 0

    # Gateway traffic continues, and none of it reaches the drained node.
    before = embeddings_served(url)
    others_before = sum(embeddings_served(cluster.node_url(other)) for other in ("node-1", "node-3"))
    for round_ in range(20):
        send_through_gateway(cluster, texts(f"drain {round_}", 16))
    assert embeddings_served(url) == before
    assert sum(embeddings_served(cluster.node_url(other)) for other in ("node-1", "node-3")) >= others_before + 20

    status, body = admin(cluster, name, "resume")
    assert status == 200 and body == {"state": "ready", "in_flight": 0}, body
    assert get(url + "/ready")[0] == 200
    assert wait_until(lambda: member(cluster, name)["health"] == "up", timeout=10), member(cluster, name)

    def reached():
        send_through_gateway(cluster, texts(f"resume {time.monotonic()}", 16))
        return embeddings_served(url) > before

    assert wait_until(reached, timeout=20, interval=0.1)


def test_restart_re_executes_in_place_with_a_higher_incarnation(cluster):
    # node-1 is the others' only seed and seeds itself: it must still find its way back.
    for name in ("node-1", "node-3"):
        pid_before = cluster.nodes[name].process.pid
        with open(f"/proc/{pid_before}/cmdline", "rb") as handle:
            cmdline = handle.read()
        pid, old_incarnation = restart_and_wait(cluster, name)
        assert pid == pid_before
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            assert handle.read() == cmdline
        code, document = get(cluster.node_url(name) + "/cluster")
        assert code == 200
        for entry in json.loads(document)["members"]:
            assert entry["state"] == "alive", entry
        assert get(cluster.node_url(name) + "/ready")[0] == 200
        print(f"{name}: incarnation {old_incarnation} -> {member(cluster, name)['incarnation']}")
    assert cluster.wait_ready(count=3)


def test_restart_under_http2_load_fails_no_request(cluster, tmp_path):
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"model": "synthetic", "input": texts("load", 12)}))
    restarted = {}

    def restart(name):
        restarted[name] = restart_and_wait(cluster, name)

    timer = threading.Timer(0.5, restart, args=("node-2",))
    timer.start()
    started = time.monotonic()
    fields, codes, output = h2load(cluster.url + "/v1/embeddings", str(body), requests=4000)
    rounds = 1
    # Keep the load on until the node is back, so every phase of the restart ran under it.
    while "node-2" not in restarted and time.monotonic() - started < 90:
        more_fields, more_codes, output = h2load(cluster.url + "/v1/embeddings", str(body), requests=4000)
        assert more_fields.get("failed") == "0" and more_fields.get("errored") == "0", output
        assert "0 4xx, 0 5xx" in more_codes, output
        rounds += 1
    timer.join()
    assert fields.get("failed") == "0" and fields.get("errored") == "0", output
    assert "0 4xx, 0 5xx" in codes, output
    assert "node-2" in restarted, cluster.nodes["node-2"].output()
    print(f"restart under load: {rounds} h2load rounds of 4000 requests, all 2xx")


def test_restart_runs_the_replaced_binary(cluster, binary_copy, murmur_bin):
    name = "node-3"
    pid = cluster.nodes[name].process.pid
    old_inode = os.stat(f"/proc/{pid}/exe").st_ino
    assert old_inode == os.stat(binary_copy).st_ino
    # Roll out a "new build": another copy, renamed over the path the node was started from.
    staged = binary_copy + ".new"
    shutil.copy2(murmur_bin, staged)
    os.replace(staged, binary_copy)
    new_inode = os.stat(binary_copy).st_ino
    assert new_inode != old_inode
    restarted_pid, _ = restart_and_wait(cluster, name)
    assert restarted_pid == pid
    assert os.stat(f"/proc/{pid}/exe").st_ino == new_inode
    assert cluster.wait_ready(count=3)
