"""The serving path end to end: `murmur node` ×3 + `murmur gateway` as real processes, driven by
clients nobody here wrote: curl (HTTP/1.1 and h2c), nghttp, h2load, the official `openai` client,
Python's `h2`, and promtool."""
import base64
import json
import math
import os
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from cluster import Cluster, get, wait_until


@pytest.fixture(scope="module")
def cluster(murmur_bin, tmp_path_factory):
    running = Cluster(murmur_bin, str(tmp_path_factory.mktemp("logs")), nodes=3)
    try:
        assert running.wait_ready(), running.gateway.output()
        yield running
    finally:
        running.stop()


def curl(*args, data=None):
    command = ["curl", "-sS", "--max-time", "20", "-w", "\n%{http_code} %{http_version}", *args]
    if data is not None:
        command += ["-H", "content-type: application/json", "--data-binary", data]
    output = subprocess.run(command, capture_output=True, check=True).stdout.decode()
    body, _, tail = output.rpartition("\n")
    status, version = tail.split()
    return int(status), version, body


def embed_body(inputs, model="synthetic", **extra):
    return json.dumps({"model": model, "input": inputs, **extra})


def test_curl_h2c_and_http1_through_the_gateway(cluster):
    texts = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"]
    status, version, body = curl("--http2-prior-knowledge", cluster.url + "/v1/embeddings", data=embed_body(texts))
    assert (status, version) == (200, "2"), body
    answer = json.loads(body)
    assert answer["object"] == "list" and answer["model"] == "synthetic"
    assert [row["index"] for row in answer["data"]] == list(range(len(texts)))
    assert answer["usage"]["prompt_tokens"] == answer["usage"]["total_tokens"] == 3 * len(texts)
    # Every text's vector is the one a node computes for it alone, whichever node served it.
    node = cluster.node_url("node-2")
    for text, row in zip(texts, answer["data"]):
        direct = json.loads(curl("--http2-prior-knowledge", node + "/v1/embeddings", data=embed_body(text))[2])
        assert row["embedding"] == direct["data"][0]["embedding"]
        assert abs(math.sqrt(sum(x * x for x in row["embedding"])) - 1) < 1e-5
    status, version, body = curl("--http1.1", cluster.url + "/v1/embeddings", data=embed_body("one text"))
    assert (status, version) == (200, "1.1")
    assert len(json.loads(body)["data"][0]["embedding"]) == 384


def test_official_openai_client_float_and_base64(cluster):
    import openai
    client = openai.OpenAI(base_url=cluster.url + "/v1", api_key="unused", max_retries=0)
    # The client asks for base64 by default and decodes it itself.
    result = client.embeddings.create(model="synthetic", input=["hello world", "second"])
    assert len(result.data) == 2 and len(result.data[0].embedding) == 384
    assert result.usage.prompt_tokens == 7  # [CLS] hello world [SEP] + [CLS] second [SEP]
    floats = client.embeddings.create(model="synthetic", input="hello world", encoding_format="float")
    assert floats.data[0].embedding == pytest.approx(result.data[0].embedding, abs=1e-7)
    models = client.models.list()
    assert [m.id for m in models.data] == ["synthetic"]
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="no-such-model", input="x")


def test_nghttp_and_python_h2_clients(cluster):
    result = subprocess.run(
        ["nghttp", "-n", "-s", "-H", ":method: POST", "-H", "content-type: application/json", "-d", "-",
         cluster.url + "/v1/embeddings"],
        input=embed_body(["from nghttp"]).encode(), capture_output=True, timeout=20,
    )
    assert result.returncode == 0, result.stderr.decode()
    import h2.connection
    import h2.events
    sock = socket.create_connection(("127.0.0.1", cluster.gateway_port), timeout=10)
    connection = h2.connection.H2Connection()
    connection.initiate_connection()
    body = embed_body(["from python h2"]).encode()
    stream_ids = []
    for _ in range(5):
        stream_id = connection.get_next_available_stream_id()
        stream_ids.append(stream_id)
        connection.send_headers(stream_id, [(":method", "POST"), (":path", "/v1/embeddings"), (":scheme", "http"),
                                            (":authority", "localhost"), ("content-type", "application/json")])
        connection.send_data(stream_id, body, end_stream=True)
    sock.sendall(connection.data_to_send())
    statuses, ended = {}, set()
    while len(ended) < len(stream_ids):
        data = sock.recv(65536)
        assert data, "connection closed early"
        for event in connection.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                statuses[event.stream_id] = dict(event.headers)[b":status"]
            elif isinstance(event, h2.events.DataReceived):
                connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                ended.add(event.stream_id)
        sock.sendall(connection.data_to_send())
    sock.close()
    assert all(statuses[s] == b"200" for s in stream_ids), statuses


def test_h2_request_without_authority_is_served(cluster):
    """RFC 9113 lets a client omit :authority (HAProxy's h2 health checks do); we answer it."""
    import h2.config
    import h2.connection
    import h2.events

    for extra in ([], [("host", "example.test")]):
        sock = socket.create_connection(("127.0.0.1", cluster.nodes["node-1"].http_port), timeout=10)
        connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, validate_outbound_headers=False))
        connection.initiate_connection()
        connection.send_headers(1, [(":method", "GET"), (":path", "/ready"), (":scheme", "http"), *extra], end_stream=True)
        sock.sendall(connection.data_to_send())
        status, ended = None, False
        while not ended:
            data = sock.recv(65536)
            assert data, "connection closed early"
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    status = dict(event.headers)[b":status"]
                elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)):
                    ended = True
            sock.sendall(connection.data_to_send())
        sock.close()
        assert status == b"200", extra


@pytest.mark.parametrize(
    "path,method,data,headers,status,code",
    [
        ("/v1/embeddings", "POST", '{"model":"synthetic","input":[]}', [], 400, None),
        ("/v1/embeddings", "POST", '{"model":"synthetic","input":', [], 400, None),
        ("/v1/embeddings", "POST", "[" * 100000 + "]" * 100000, [], 400, None),
        ("/v1/embeddings", "POST", b'{"model":"synthetic","input":"\xff\xfe"}', [], 400, None),
        ("/v1/embeddings", "POST", '{"model":"nope","input":"x"}', [], 404, "model_not_found"),
        ("/v1/embeddings", "POST", json.dumps({"model": "synthetic", "input": ["x"] * 2049}), [], 413, None),
        ("/v1/embeddings", "POST", '{"model":"synthetic","input":"x"}', ["content-type: text/plain"], 415, None),
        ("/v1/embeddings", "GET", None, [], 405, None),
        ("/no/such/path", "GET", None, [], 404, None),
    ],
)
def test_errors_are_openai_shaped_with_the_right_status(cluster, tmp_path, path, method, data, headers, status, code):
    command = ["curl", "-sS", "--http2-prior-knowledge", "-X", method, "-w", "\n%{http_code}", "--max-time", "20"]
    for header in headers or ["content-type: application/json"]:
        command += ["-H", header]
    if data is not None:
        payload = tmp_path / "body"
        payload.write_bytes(data if isinstance(data, bytes) else data.encode())
        command += ["--data-binary", f"@{payload}"]
    output = subprocess.run(command + [cluster.url + path], capture_output=True, check=True).stdout.decode()
    body, _, got = output.rpartition("\n")
    assert int(got) == status, body
    error = json.loads(body)["error"]
    assert set(error) >= {"message", "type", "param", "code"}
    if code:
        assert error["code"] == code
    # The gateway is still fine afterwards.
    assert get(cluster.url + "/health")[0] == 200


def test_oversized_body_is_413_on_both_protocols(cluster):
    """A body over 2 MiB is refused with 413 as soon as Content-Length says so, on HTTP/1.1 and h2c."""
    import h2.connection
    import h2.events

    size = 3 * 1024 * 1024
    sock = socket.create_connection(("127.0.0.1", cluster.gateway_port), timeout=10)
    sock.sendall(b"POST /v1/embeddings HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 + f"Content-Length: {size}\r\n\r\n".encode() + b"x" * 65536)
    head = sock.recv(65536).decode(errors="replace")
    sock.close()
    assert head.startswith("HTTP/1.1 413"), head

    sock = socket.create_connection(("127.0.0.1", cluster.gateway_port), timeout=10)
    connection = h2.connection.H2Connection()
    connection.initiate_connection()
    connection.send_headers(1, [(":method", "POST"), (":path", "/v1/embeddings"), (":scheme", "http"),
                                (":authority", "t"), ("content-type", "application/json"),
                                ("content-length", str(size))])
    connection.send_data(1, b"x" * 16384)
    sock.sendall(connection.data_to_send())
    status = None
    while status is None:
        data = sock.recv(65536)
        assert data, "connection closed before a response"
        for event in connection.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                status = dict(event.headers)[b":status"]
            elif isinstance(event, h2.events.StreamReset) and status is None:
                raise AssertionError(f"stream reset ({event.error_code}) before any response")
        sock.sendall(connection.data_to_send())
    sock.close()
    assert status == b"413"


def test_metrics_pass_promtool_and_cluster_document(cluster):
    for url in (cluster.url, cluster.node_url("node-1")):
        code, body = get(url + "/metrics")
        assert code == 200
        check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
        assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    members = cluster.status()["members"]
    assert {m["role"] for m in members} == {"node", "gateway"}
    for member in members:
        assert set(member) >= {"name", "role", "state", "incarnation", "http", "gossip", "health", "in_flight", "models"}


def h2load(url, body_path, requests, clients=8, streams=8, timeout=120):
    command = ["h2load", "-n", str(requests), "-c", str(clients), "-m", str(streams), "-d", body_path,
               "-H", "content-type: application/json", url]
    output = subprocess.run(command, capture_output=True, timeout=timeout).stdout.decode()
    for line in output.splitlines():
        if line.startswith("requests:"):
            fields = dict(part.strip().split(" ", 1)[::-1] for part in line[len("requests:"):].split(","))
        if line.startswith("status codes:"):
            codes = line
    return fields, codes, output


def test_killed_nodes_cost_no_failed_request_and_stop_getting_traffic(cluster, tmp_path):
    body = tmp_path / "body.json"
    body.write_text(embed_body(["the quick brown fox", "jumps over the lazy dog"]))
    stopped_routing = {}

    def kill(name):
        victim = cluster.nodes[name]
        killed_at = time.monotonic()
        victim.signal(signal.SIGKILL)
        if wait_until(lambda: cluster.metric("murmur_backend_up", backend=name) == 0.0, 10, 0.01):
            stopped_routing[name] = time.monotonic() - killed_at

    # Two nodes die one after the other under continuous HTTP/2 load; the third carries on.
    first = threading.Timer(1.0, kill, args=("node-3",))
    second = threading.Timer(3.0, kill, args=("node-2",))
    first.start()
    second.start()
    fields, codes, output = h2load(cluster.url + "/v1/embeddings", str(body), requests=8000)
    first.join()
    second.join()
    for name in ("node-3", "node-2"):
        assert cluster.nodes[name].process.wait(timeout=10) == -signal.SIGKILL
    assert fields.get("failed") == "0" and fields.get("errored") == "0", output
    assert "0 4xx, 0 5xx" in codes, output
    print(f"time to stop routing to a SIGKILLed node: {stopped_routing}")
    assert set(stopped_routing) == {"node-3", "node-2"}
    assert all(seconds < 3.0 for seconds in stopped_routing.values()), stopped_routing
    # They come back under the same names and take traffic again.
    for name in ("node-3", "node-2"):
        victim = cluster.nodes[name]
        cluster.start_node(name, http_port=victim.http_port, gossip_port=victim.gossip_port)
    assert cluster.wait_ready(count=3, timeout=30), cluster.status()
    assert get(cluster.url + "/ready")[0] == 200


def test_help_exits_zero(murmur_bin):
    for command in (["--help"], ["node", "--help"], ["gateway", "--help"], ["--version"]):
        result = subprocess.run([murmur_bin, *command], capture_output=True)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout
