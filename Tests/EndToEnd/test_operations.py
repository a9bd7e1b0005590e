"""Operations end to end: `murmur status` and `murmur rolling-restart` against real `murmur node` and
`murmur gateway` processes, and a full rolling restart under continuous HTTP/2 load from h2load."""
import json
import os
import secrets
import signal
import subprocess
import time

import pytest

from cluster import Cluster, free_port, wait_until

TOKEN = secrets.token_hex(16)


def murmur(murmur_bin, *args, env_extra=None, drop=("MURMUR_ADMIN_TOKEN", "MURMUR_CONFIG"), timeout=300):
    """Runs `murmur ARGS…` with the operator's environment minus any ambient token or config."""
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(env_extra or {})
    return subprocess.run([murmur_bin, *args], capture_output=True, env=env, timeout=timeout)


def text(result) -> tuple[str, str]:
    return result.stdout.decode(), result.stderr.decode()


@pytest.fixture(scope="module")
def cluster(murmur_bin, tmp_path_factory):
    running = Cluster(murmur_bin, str(tmp_path_factory.mktemp("logs")), nodes=3,
                      extra_env={"MURMUR_ADMIN_TOKEN": TOKEN})
    try:
        assert running.wait_ready(), running.gateway.output()
        yield running
    finally:
        running.stop()


def healthy_status(murmur_bin, cluster, *args):
    """`murmur status ARGS…` once it exits 0 (gossip on a busy test machine may briefly flap)."""
    results = []

    def healthy():
        results.append(murmur(murmur_bin, "status", "--gateway", cluster.url, *args))
        return results[-1].returncode == 0

    wait_until(healthy, timeout=20, interval=0.3)
    return results[-1]


def test_status_table_lists_every_member_and_the_verdict(murmur_bin, cluster):
    result = healthy_status(murmur_bin, cluster)
    stdout, stderr = text(result)
    assert result.returncode == 0, (stdout, stderr)
    lines = stdout.splitlines()
    assert lines[0].split() == ["NAME", "ROLE", "STATE", "HEALTH", "ADDRESS", "MODELS", "IN-FLIGHT", "REQ/S", "P99",
                                "CACHE", "INCARNATION", "UPTIME", "VERSION"]
    rows = {line.split()[0]: line.split() for line in lines[1:] if line.strip() and not line[0].isdigit()
            and line.split()[0] in {"gateway", *cluster.nodes}}
    assert set(rows) == {"gateway", "node-1", "node-2", "node-3"}, stdout
    for name in cluster.nodes:
        assert rows[name][1:4] == ["node", "alive", "up"], stdout
        assert rows[name][4] == f"127.0.0.1:{cluster.nodes[name].http_port}"
        assert rows[name][5] == "synthetic"
    assert rows["gateway"][1] == "gateway"
    # Columns line up: every row's ROLE starts where the header's does.
    role_column = lines[0].index("ROLE")
    for line in lines[1:5]:
        assert line[role_column - 2:role_column] == "  " and line[role_column] != " ", stdout
    assert "3/3 nodes ready, 0 suspect" in lines, stdout


def test_status_json_prints_the_cluster_document(murmur_bin, cluster):
    result = healthy_status(murmur_bin, cluster, "--json")
    stdout, stderr = text(result)
    assert result.returncode == 0, stderr
    document = json.loads(stdout)
    names = {member["name"] for member in document["members"]}
    assert names == {"gateway", "node-1", "node-2", "node-3"}
    for member in document["members"]:
        assert set(member) >= {"name", "role", "state", "incarnation", "http", "gossip", "health", "in_flight",
                               "models"}


def test_status_of_an_unreachable_gateway_is_one_line_and_exit_1(murmur_bin):
    url = f"http://127.0.0.1:{free_port()}"
    result = murmur(murmur_bin, "status", "--gateway", url)
    stdout, stderr = text(result)
    assert result.returncode == 1, (stdout, stderr)
    assert stdout == ""
    assert stderr.splitlines() == [f"murmur: cannot reach the gateway at {url}: connection refused"], stderr


def test_status_rejects_a_bad_url_with_exit_2(murmur_bin):
    result = murmur(murmur_bin, "status", "--gateway", "ftp://example")
    assert result.returncode == 2
    assert len(result.stderr.decode().splitlines()) == 1


def test_rolling_restart_without_a_token_says_where_it_looked(murmur_bin, cluster, tmp_path):
    result = murmur(murmur_bin, "rolling-restart", "--gateway", cluster.url, "--run-dir", str(tmp_path / "run"))
    stdout, stderr = text(result)
    assert result.returncode == 2, (stdout, stderr)
    assert len(stderr.splitlines()) == 1, stderr
    assert "no admin token" in stderr and "MURMUR_ADMIN_TOKEN" in stderr and "admin-token" in stderr


def test_rolling_restart_with_a_wrong_token_stops_at_once(murmur_bin, cluster):
    before = {m["name"]: m.get("started_at") for m in cluster.status()["members"]}
    result = murmur(murmur_bin, "rolling-restart", "--gateway", cluster.url, "--token", "not-the-token")
    stdout, stderr = text(result)
    assert result.returncode == 1, (stdout, stderr)
    assert "node-1 refused the admin token (403" in stderr and "the token is wrong" in stderr, stderr
    # Nothing was drained or restarted: the first node is still up, and no process changed.
    assert cluster.wait_ready(count=3, timeout=10)
    assert {m["name"]: m.get("started_at") for m in cluster.status()["members"]} == before


def h2load_report(output: str) -> tuple[dict, dict]:
    requests, codes = {}, {}
    for line in output.splitlines():
        if line.startswith("requests:"):
            requests = {key: int(value) for value, key in
                        (part.strip().split(" ", 1) for part in line[len("requests:"):].split(","))}
        if line.startswith("status codes:"):
            codes = {key: int(value) for value, key in
                     (part.strip().split(" ", 1) for part in line[len("status codes:"):].split(","))}
    return requests, codes


def test_rolling_restart_under_http2_load_fails_no_request(murmur_bin, cluster, tmp_path):
    assert cluster.wait_ready(count=3, timeout=30)
    before = {m["name"]: m for m in cluster.status()["members"] if m.get("role") == "node"}
    assert set(before) == {"node-1", "node-2", "node-3"}
    assert all(member.get("started_at") is not None for member in before.values()), before
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"model": "synthetic", "input": ["the quick brown fox", "jumps over the dog"]}))
    duration = 40
    load = subprocess.Popen(
        ["h2load", "-c4", "-m8", "-D", str(duration), "-d", str(body), "-H", "content-type: application/json",
         cluster.url + "/v1/embeddings"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        time.sleep(2)  # the load is flowing before the first drain
        started = time.monotonic()
        result = murmur(murmur_bin, "rolling-restart", "--gateway", cluster.url, "--token", TOKEN,
                        "--restart-timeout", "60s", timeout=180)
        took = time.monotonic() - started
        output = load.communicate(timeout=duration + 60)[0].decode()
    finally:
        if load.poll() is None:
            load.kill()
    stdout, stderr = text(result)
    print(stdout)
    print(f"rolling restart of 3 nodes took {took:.1f}s under load")
    print(output)
    assert result.returncode == 0, (stdout, stderr)
    assert took < duration - 2, "the restart outlasted the load; raise the h2load duration"
    for index, name in enumerate(sorted(before), start=1):
        assert f"[{index}/3] {name}  restarting" in stdout, stdout
        assert any(line.startswith(f"[{index}/3] {name}  back: alive, up, ") for line in stdout.splitlines())
    assert stdout.splitlines()[-1].startswith("rolling restart complete: 3 nodes restarted in "), stdout
    requests, codes = h2load_report(output)
    assert requests.get("succeeded", 0) > 0, output
    assert requests.get("failed") == 0 and requests.get("errored") == 0, output
    assert requests.get("timeout", 0) == 0, output
    assert codes.get("2xx") == requests["succeeded"], output
    assert codes.get("3xx") == codes.get("4xx") == codes.get("5xx") == 0, output
    # Every node is a new process image (same name, new start time) and the cluster is whole again
    # (on a busy machine gossip may still be settling right after the load, so wait for it).
    nodes_after = {}

    def whole_again():
        nodes_after.update({m["name"]: m for m in cluster.status()["members"] if m.get("role") == "node"})
        return set(nodes_after) == set(before) and all(
            m["state"] == "alive" and m["health"] == "up" for m in nodes_after.values())

    assert wait_until(whole_again, timeout=30), nodes_after
    for name, member in before.items():
        assert nodes_after[name]["started_at"] > member["started_at"], (name, member, nodes_after[name])
    assert healthy_status(murmur_bin, cluster).returncode == 0


def test_status_exits_1_once_the_gateway_sees_a_killed_node(murmur_bin, tmp_path):
    running = Cluster(murmur_bin, str(tmp_path), nodes=2)
    try:
        assert running.wait_ready(), running.gateway.output()
        assert murmur(murmur_bin, "status", "--gateway", running.url).returncode == 0
        running.nodes["node-2"].signal(signal.SIGKILL)
        results = []

        def failing():
            results.append(murmur(murmur_bin, "status", "--gateway", running.url, timeout=30))
            return results[-1].returncode == 1

        assert wait_until(failing, timeout=20, interval=0.2), text(results[-1])
        stdout, _ = text(results[-1])
        assert "1/2 nodes ready" in stdout, stdout
        row = next(line for line in stdout.splitlines() if line.startswith("node-2 "))
        assert row.split()[2] in {"suspect", "dead"} or row.split()[3] == "down", row
    finally:
        running.stop()
