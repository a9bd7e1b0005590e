"""Gateway restart in place (SIGHUP) under load, end to end.

A gateway and 2 synthetic nodes; three kinds of clients that honour GOAWAY run while the gateway is
restarted three times: `murmur bench` (the project's HTTP/2 client), an httpx HTTP/2 client, and
curl over HTTP/1.1 keep-alive. The gateway runs from a symlink that points at a different hard link
of the binary before each restart, so `/proc/<pid>/exe` names the image that is running. Every
request must be answered 200, the pid must not change, each restart must bring a new image
(`/proc/<pid>/exe`, `started_at`), and the nodes must have served exactly as many embeddings
requests as the clients saw answered (nothing failed, nothing ran twice). During the first restart
a raw HTTP/2 client also opens a stream after the final GOAWAY: the gateway refuses it
(REFUSED_STREAM) without processing it, and the client sends it again on a new connection.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import hpack
import httpx
import hyperframe.frame as frames
import pytest

from cluster import Cluster, get, wait_until

RESTARTS = 3
BENCH_SECONDS = 30  # outlasts the restarts (checked): the bench has no way to stop early
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
REFUSED_STREAM = 0x7
MAX_STREAM_ID = 2**31 - 1


@pytest.fixture
def images(murmur_bin, tmp_path):
    """`murmur` (a symlink) and the images it will point at, one per start: hard links of the built
    binary (copies when on another file system), so each restart runs a file of its own name."""
    directory = tmp_path / "images"
    directory.mkdir()
    paths = []
    for index in range(RESTARTS + 1):
        path = directory / f"murmur-{index}"
        try:
            os.link(murmur_bin, path)
        except OSError:
            shutil.copy2(murmur_bin, path)
        paths.append(str(path))
    link = tmp_path / "murmur"
    link.symlink_to(paths[0])
    return str(link), paths


@pytest.fixture
def cluster(images, tmp_path):
    link, _ = images
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Cluster(link, str(logs), nodes=2)
    try:
        assert running.wait_ready(), running.gateway.output()
        yield running
    finally:
        running.stop()


def point(link: str, target: str):
    """Re-points the symlink atomically (what an operator's deploy does)."""
    staged = link + ".new"
    if os.path.lexists(staged):
        os.unlink(staged)
    os.symlink(target, staged)
    os.replace(staged, link)


def gateway_member(cluster) -> dict:
    members = [m for m in cluster.status()["members"] if m.get("role") == "gateway"]
    return members[0] if members else {}


def node_embeddings_served(cluster) -> int:
    """Embeddings requests the nodes answered 200, from their own /metrics."""
    total = 0
    for name in cluster.nodes:
        code, body = get(cluster.node_url(name) + "/metrics")
        assert code == 200, name
        for line in body.decode().splitlines():
            if (line.startswith("murmur_http_requests_total{") and 'route="/v1/embeddings"' in line
                    and 'status="200"' in line):
                total += int(float(line.split()[-1]))
    return total


class Outcomes:
    """What one client saw: answers by status, and failures (exceptions) with their text."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = {}
        self.failures = []

    def answered(self, status):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def failed(self, what):
        with self.lock:
            self.failures.append(what)

    def ok(self) -> int:
        return self.statuses.get(200, 0)


def httpx_loop(url, stop, outcomes):
    """HTTP/2 with prior knowledge; httpcore moves streams above a GOAWAY's last-stream-id (and new
    requests) to a new connection."""
    with httpx.Client(http1=False, http2=True, timeout=30) as client:
        index = 0
        while not stop.is_set():
            try:
                response = client.post(url + "/v1/embeddings",
                                       json={"model": "synthetic", "input": f"httpx text {index}"})
                assert response.http_version == "HTTP/2", response.http_version
                outcomes.answered(response.status_code)
            except httpx.HTTPError as error:
                outcomes.failed(repr(error))
            index += 1


def curl_loop(url, stop, outcomes, directory):
    """curl over HTTP/1.1: each run sends 25 requests over one keep-alive connection (a response
    with `Connection: close` makes it reconnect for the next)."""
    config = directory / "curl.conf"
    block = (f'url = "{url}/v1/embeddings"\n'
             'header = "content-type: application/json"\n'
             'data = "{\\"model\\":\\"synthetic\\",\\"input\\":\\"curl text\\"}"\n'
             'output = "/dev/null"\n'
             'write-out = "%{http_code}\\n"\n')
    config.write_text("next\n".join([block] * 25))
    while not stop.is_set():
        result = subprocess.run(["curl", "-sS", "--http1.1", "--max-time", "30", "-K", str(config)],
                                capture_output=True, timeout=120)
        for line in result.stdout.decode().split():
            if line == "000":
                outcomes.failed(result.stderr.decode().strip())
            else:
                outcomes.answered(int(line))
        if result.returncode != 0 and not result.stderr:
            outcomes.failed(f"curl exited {result.returncode}")


class RawH2:
    """A deliberately plain HTTP/2 client (hyperframe + hpack) that, unlike h2's state machine,
    lets us open a stream after the peer's final GOAWAY."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.encoder, self.decoder = hpack.Encoder(), hpack.Decoder()
        self.buffer = b""
        self.sock.sendall(PREFACE + frames.SettingsFrame(0).serialize())

    def send_headers(self, stream_id, body):
        headers = [(":method", "POST"), (":scheme", "http"), (":authority", f"127.0.0.1:{self.port}"),
                   (":path", "/v1/embeddings"), ("content-type", "application/json"),
                   ("content-length", str(len(body)))]
        frame = frames.HeadersFrame(stream_id)
        frame.data = self.encoder.encode(headers)
        frame.flags.add("END_HEADERS")
        self.sock.sendall(frame.serialize())

    def send_body(self, stream_id, body):
        frame = frames.DataFrame(stream_id)
        frame.data = body
        frame.flags.add("END_STREAM")
        self.sock.sendall(frame.serialize())

    def next_frame(self):
        """The next frame, answering SETTINGS and PING on the way; None when the server closed."""
        while True:
            if len(self.buffer) >= 9:
                frame, length = frames.Frame.parse_frame_header(memoryview(self.buffer[:9]))
                if len(self.buffer) >= 9 + length:
                    frame.parse_body(memoryview(self.buffer[9:9 + length]))
                    self.buffer = self.buffer[9 + length:]
                    if isinstance(frame, frames.SettingsFrame) and "ACK" not in frame.flags:
                        self.sock.sendall(frames.SettingsFrame(0, flags=["ACK"]).serialize())
                    elif isinstance(frame, frames.PingFrame) and "ACK" not in frame.flags:
                        self.sock.sendall(frames.PingFrame(0, data=frame.opaque_data, flags=["ACK"]).serialize())
                    elif isinstance(frame, frames.HeadersFrame):
                        frame.decoded = self.decoder.decode(frame.data)
                    return frame
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buffer += data

    def close(self):
        self.sock.close()


def post(url, text) -> int:
    code, _ = post_raw(url, text)
    return code


def post_raw(url, text):
    with httpx.Client(timeout=30) as client:
        response = client.post(url + "/v1/embeddings", json={"model": "synthetic", "input": text})
        return response.status_code, response.content


def refused_after_final_goaway(cluster, restart) -> tuple[int, dict]:
    """Opens stream 1 (body held back, so the connection stays open through the drain), restarts
    the gateway, waits for the final GOAWAY, opens stream 3 (must be refused, unprocessed), then
    finishes stream 1 (must be answered 200) and sends stream 3's request again on a new
    connection. Returns the requests answered 200 and what was seen."""
    body = json.dumps({"model": "synthetic", "input": "raw h2 text"}).encode()
    client = RawH2(cluster.gateway_port)
    seen = {"goaways": [], "refused": False, "status_1": None, "closed_early": False}
    try:
        client.send_headers(1, body)
        restart()
        while True:
            frame = client.next_frame()
            assert frame is not None, f"the connection closed before the final GOAWAY: {seen}"
            if isinstance(frame, frames.GoAwayFrame):
                seen["goaways"].append(frame.last_stream_id)
                if frame.last_stream_id < MAX_STREAM_ID:
                    break
        client.send_headers(3, body)
        client.send_body(3, body)
        client.send_body(1, body)
        while seen["status_1"] is None or not seen["refused"]:
            frame = client.next_frame()
            if frame is None:
                seen["closed_early"] = True
                break
            if isinstance(frame, frames.RstStreamFrame) and frame.stream_id == 3:
                seen["refused"] = frame.error_code == REFUSED_STREAM
                seen["stream_3_error"] = frame.error_code
            elif isinstance(frame, frames.HeadersFrame) and frame.stream_id == 1:
                seen["status_1"] = dict(frame.decoded).get(":status")
            elif isinstance(frame, frames.HeadersFrame) and frame.stream_id == 3:
                seen["status_3"] = dict(frame.decoded).get(":status")
    finally:
        client.close()
    answered = 1 if seen["status_1"] == "200" else 0
    # The client retries the refused request on a new connection, as the refusal allows.
    seen["retry_status"] = post(cluster.url, "raw h2 text")
    return answered + (1 if seen["retry_status"] == 200 else 0), seen


def test_sighup_restarts_the_gateway_in_place_without_failing_a_request(murmur_bin, images, cluster, tmp_path):
    link, paths = images
    pid = cluster.gateway.process.pid
    exe = f"/proc/{pid}/exe"
    assert os.readlink(exe) == paths[0]
    served_before = node_embeddings_served(cluster)
    first = gateway_member(cluster)
    assert first.get("started_at") is not None, first

    stop = threading.Event()
    httpx_outcomes, curl_outcomes = Outcomes(), Outcomes()
    workers = [
        threading.Thread(target=httpx_loop, args=(cluster.url, stop, httpx_outcomes), daemon=True),
        threading.Thread(target=curl_loop, args=(cluster.url, stop, curl_outcomes, tmp_path), daemon=True),
    ]
    bench = subprocess.Popen(
        [murmur_bin, "bench", "--url", cluster.url, "--model", "synthetic", "--duration", f"{BENCH_SECONDS}s",
         "--concurrency", "2", "--streams-per-connection", "4", "--timeout", "30s", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for worker in workers:
        worker.start()
    timings, raw = [], None
    try:
        time.sleep(1.5)  # load is flowing on every client before the first restart
        previous_started = first["started_at"]
        for index in range(1, RESTARTS + 1):
            point(link, paths[index])
            started = time.monotonic()

            def restart():
                os.kill(pid, signal.SIGHUP)

            if index == 1:
                raw_answered, raw = refused_after_final_goaway(cluster, restart)
            else:
                restart()
            assert wait_until(lambda: os.readlink(exe) == paths[index], timeout=60), os.readlink(exe)
            assert wait_until(lambda: (gateway_member(cluster).get("started_at") or 0) > previous_started,
                              timeout=60), cluster.gateway.output()[-3000:]
            timings.append(time.monotonic() - started)
            previous_started = gateway_member(cluster)["started_at"]
            assert cluster.gateway.process.poll() is None, cluster.gateway.output()[-3000:]
            assert cluster.wait_ready(timeout=30), cluster.gateway.output()[-3000:]
            time.sleep(1.0)  # the clients run on the new image before the next restart
        assert bench.poll() is None, "the bench ended before the last restart; raise BENCH_SECONDS"
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
        try:
            bench_out, bench_err = bench.communicate(timeout=BENCH_SECONDS + 60)
        except subprocess.TimeoutExpired:
            bench.kill()
            bench_out, bench_err = bench.communicate()

    log = cluster.gateway.output()
    assert bench.returncode == 0, bench_err.decode()
    summary = json.loads(bench_out)
    print(f"restarts: {RESTARTS}, SIGHUP to new image serving: "
          + ", ".join(f"{t:.2f}s" for t in timings))
    print("gateway: " + " | ".join(line for line in log.splitlines() if "accepting" in line or "drained" in line))
    print(f"bench: {summary['requests']}, resends {summary['resends']}, statuses {summary['statuses']}")
    print(f"httpx: {httpx_outcomes.statuses}, failures {len(httpx_outcomes.failures)}")
    print(f"curl: {curl_outcomes.statuses}, failures {len(curl_outcomes.failures)}")
    print(f"raw h2: {raw}")

    # Same process throughout; each restart ran the image the symlink pointed at.
    assert cluster.gateway.process.poll() is None
    assert os.readlink(exe) == paths[RESTARTS]
    assert log.count("restarting: draining") == RESTARTS, log[-3000:]

    # Nobody saw a failure; every answer was a 200.
    assert summary["requests"]["failed"] == 0, summary
    assert set(summary["errors"].values()) == {0}, summary["errors"]
    assert summary["statuses"] == {"200": summary["requests"]["succeeded"]}, summary
    assert summary["requests"]["succeeded"] > 0
    assert httpx_outcomes.failures == [] and set(httpx_outcomes.statuses) == {200}, httpx_outcomes.failures[:5]
    assert curl_outcomes.failures == [] and set(curl_outcomes.statuses) == {200}, curl_outcomes.failures[:5]
    assert httpx_outcomes.ok() > 0 and curl_outcomes.ok() > 0

    # The stream opened after the final GOAWAY was refused, not processed, and the retry answered.
    assert raw["goaways"][-1] == 1, raw
    assert raw["status_1"] == "200" and raw["refused"] and "status_3" not in raw, raw
    assert raw["retry_status"] == 200, raw

    # Every request sent was served exactly once by a node.
    sent = summary["requests"]["succeeded"] + httpx_outcomes.ok() + curl_outcomes.ok() + raw_answered
    assert wait_until(lambda: node_embeddings_served(cluster) - served_before == sent, timeout=10), (
        node_embeddings_served(cluster) - served_before, sent)
