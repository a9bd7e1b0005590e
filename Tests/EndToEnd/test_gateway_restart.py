"""Gateway restart in place (SIGHUP) under load, end to end.

A gateway and 2 synthetic nodes; three kinds of clients that honour GOAWAY run while the gateway is
restarted three times: `murmur bench` (the project's HTTP/2 client), an HTTP/2 client honouring GOAWAY (hyperframe + hpack), and
curl over HTTP/1.1 keep-alive. The gateway runs from a symlink that points at a different hard link
of the binary before each restart, so `/proc/<pid>/exe` names the image that is running. Every
request must be answered 200, the pid must not change, each restart must bring a new image
(`/proc/<pid>/exe`, `started_at`), and the nodes must have served exactly as many embeddings
requests as the clients saw answered (nothing failed, nothing ran twice). During the first restart
a raw HTTP/2 client also opens a stream after the final GOAWAY: the gateway does not process it
(REFUSED_STREAM, or the idle connection is already closed), and the client sends it again on a new
connection.
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
BENCH_SECONDS = 50  # outlasts the restarts (checked): the bench has no way to stop early
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


def running_image(exe: str) -> str | None:
    """The file /proc/<pid>/exe names; None while `execve` swaps the image (it is briefly absent)."""
    try:
        return os.readlink(exe)
    except OSError:
        return None


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
        self.resent = 0

    def answered(self, status):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def failed(self, what):
        with self.lock:
            self.failures.append(what)

    def ok(self) -> int:
        return self.statuses.get(200, 0)


def h2_loop(port, stop, outcomes):
    """HTTP/2 with prior knowledge, one request at a time, honouring GOAWAY as RFC 9113 asks: a
    response on a stream at or below the last-stream-id is still read; a stream above it, or one
    refused (REFUSED_STREAM), was not processed and is sent again on a new connection; no new stream
    goes to a connection that sent GOAWAY. (Built on hyperframe and hpack, python-h2's own frame
    and header layers: python-h2's connection state machine and so httpx fail every frame after a
    GOAWAY, python-hyper/h2#1199.)"""
    client, stream_id, index = None, 1, 0
    while not stop.is_set():
        if client is None or client.goaway_last is not None:
            if client is not None:
                client.close()
            client, stream_id = RawH2(port), 1
        body = json.dumps({"model": "synthetic", "input": f"h2 text {index}"}).encode()
        try:
            client.send_headers(stream_id, body)
            client.send_body(stream_id, body)
            outcome = client.response(stream_id)
        except OSError as error:
            outcome = ("closed", repr(error))
        if outcome[0] == "closed" and outcome[1].startswith(("status None", "BrokenPipe", "ConnectionReset")):
            # The connection ended before any byte of the answer: like the gateway's own backend
            # pool and `murmur bench`, the client counts that as not processed and sends again.
            # The served == sent check at the end would catch a request processed twice.
            outcome = ("refused",)
        if outcome[0] == "status":
            outcomes.answered(outcome[1])
            index += 1
        elif outcome[0] == "refused":
            outcomes.resent += 1  # not processed: the same request goes out again on a new connection
            client.close()
            client = None
        else:
            outcomes.failed(f"stream {stream_id}: {outcome}")
            client.close()
            client = None
        stream_id += 2
    if client is not None:
        client.close()


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
        self.goaway_last = None
        self.sock.sendall(PREFACE + frames.SettingsFrame(0).serialize())

    def handshake(self):
        """Waits for the server's SETTINGS: the connection was accepted and speaks HTTP/2."""
        while True:
            frame = self.next_frame()
            assert frame is not None, "the server closed the connection before its SETTINGS"
            if isinstance(frame, frames.SettingsFrame) and "ACK" not in frame.flags:
                return

    def ping(self):
        """Sends a PING and waits for its ACK: everything sent before it has been processed."""
        self.sock.sendall(frames.PingFrame(0, opaque_data=b"murmur!!").serialize())
        while True:
            frame = self.next_frame()
            assert frame is not None, "the server closed the connection before the PING ACK"
            if isinstance(frame, frames.PingFrame) and "ACK" in frame.flags:
                return

    def response(self, stream_id):
        """Reads until `stream_id` ends: ("status", code) once answered, ("refused",) when the
        server did not process it (REFUSED_STREAM, or above a GOAWAY's last-stream-id), else
        ("closed", …) or ("reset", code)."""
        status = None
        while True:
            if self.goaway_last is not None and stream_id > self.goaway_last:
                return ("refused",)
            frame = self.next_frame()
            if frame is None:
                return ("closed", f"status {status}, goaway {self.goaway_last}")
            if frame.stream_id != stream_id:
                continue
            if isinstance(frame, frames.RstStreamFrame):
                return ("refused",) if frame.error_code == REFUSED_STREAM else ("reset", frame.error_code)
            if isinstance(frame, frames.HeadersFrame):
                status = int(dict(frame.decoded)[":status"])
            if isinstance(frame, (frames.HeadersFrame, frames.DataFrame)) and "END_STREAM" in frame.flags:
                return ("status", status)

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
                        self.sock.sendall(frames.PingFrame(0, opaque_data=frame.opaque_data, flags=["ACK"]).serialize())
                    elif isinstance(frame, frames.HeadersFrame):
                        frame.decoded = [(name.decode() if isinstance(name, bytes) else name,
                                          value.decode() if isinstance(value, bytes) else value)
                                         for name, value in self.decoder.decode(frame.data)]
                    elif isinstance(frame, frames.GoAwayFrame):
                        last = frame.last_stream_id
                        self.goaway_last = last if self.goaway_last is None else min(self.goaway_last, last)
                    elif isinstance(frame, frames.DataFrame) and frame.flow_controlled_length > 0:
                        # Give the flow-control credit back, so the connection never stalls.
                        for stream in (0, frame.stream_id):
                            update = frames.WindowUpdateFrame(stream, window_increment=frame.flow_controlled_length)
                            self.sock.sendall(update.serialize())
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
    """Opens an HTTP/2 connection, restarts the gateway, answers the first GOAWAY's PING, waits for
    the final GOAWAY (or the close of the idle connection) and only then sends a request on a new
    stream. The gateway must not process it: it refuses the stream (REFUSED_STREAM) or the
    connection is gone. The client
    then sends the request again on a new connection. Returns the requests answered 200 and what
    was seen."""
    body = json.dumps({"model": "synthetic", "input": "raw h2 text"}).encode()
    client = RawH2(cluster.gateway_port)
    seen = {"goaways": [], "outcome": None}
    try:
        client.handshake()
        client.send_headers(1, body)  # one request answered first: a connection in full use
        client.send_body(1, body)
        seen["first"] = client.response(1)
        time.sleep(0.2)
        restart()
        while True:
            frame = client.next_frame()
            if frame is None:
                # The connection had no stream, so the gateway closed it once the PING came back;
                # the final GOAWAY may be lost with the close. A request now goes nowhere either way.
                break
            if isinstance(frame, frames.GoAwayFrame):
                seen["goaways"].append(frame.last_stream_id)
                if frame.last_stream_id < MAX_STREAM_ID:
                    break
        assert seen["goaways"][:1] == [MAX_STREAM_ID], seen  # phase one: GOAWAY, then PING
        try:
            client.send_headers(3, body)
            client.send_body(3, body)
            while seen["outcome"] is None:
                frame = client.next_frame()
                if frame is None:
                    seen["outcome"] = "closed"
                elif isinstance(frame, frames.RstStreamFrame) and frame.stream_id == 3:
                    seen["outcome"] = "refused" if frame.error_code == REFUSED_STREAM else f"reset {frame.error_code}"
                elif isinstance(frame, frames.HeadersFrame) and frame.stream_id == 3:
                    seen["outcome"] = "answered " + dict(frame.decoded).get(":status", "?")
        except OSError:
            seen["outcome"] = "closed"
    finally:
        client.close()
    # Not processed, so the client sends it again on a new connection, as the refusal allows.
    seen["retry_status"] = post(cluster.url, "raw h2 text")
    answered = (1 if seen["first"] == ("status", 200) else 0) + (1 if seen["retry_status"] == 200 else 0)
    return answered, seen


def test_sighup_restarts_the_gateway_in_place_without_failing_a_request(murmur_bin, images, cluster, tmp_path):
    link, paths = images
    pid = cluster.gateway.process.pid
    exe = f"/proc/{pid}/exe"
    assert os.readlink(exe) == paths[0]
    served_before = node_embeddings_served(cluster)
    first = gateway_member(cluster)
    assert first.get("started_at") is not None, first

    stop = threading.Event()
    h2_outcomes, curl_outcomes = Outcomes(), Outcomes()
    workers = [
        threading.Thread(target=h2_loop, args=(cluster.gateway_port, stop, h2_outcomes), daemon=True),
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
            assert wait_until(lambda: running_image(exe) == paths[index], timeout=60), running_image(exe)
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
    print(f"h2: {h2_outcomes.statuses}, resent {h2_outcomes.resent}, failures {h2_outcomes.failures[:5]}")
    print(f"curl: {curl_outcomes.statuses}, failures {curl_outcomes.failures[:5]}")
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
    assert h2_outcomes.failures == [] and set(h2_outcomes.statuses) == {200}, h2_outcomes.failures[:5]
    assert curl_outcomes.failures == [] and set(curl_outcomes.statuses) == {200}, curl_outcomes.failures[:5]
    assert h2_outcomes.ok() > 0 and curl_outcomes.ok() > 0

    # The stream opened after the final GOAWAY was refused, not processed, and the retry answered.
    assert raw["goaways"][1:] in ([], [0]), raw
    assert raw["first"] == ("status", 200), raw
    assert raw["outcome"] in ("refused", "closed") and raw["retry_status"] == 200, raw

    # Every request answered was served by a node, and a node served a request twice only when a
    # client sent it again after its connection closed before any byte of the answer (each such
    # resend is counted). Refused streams (GOAWAY, REFUSED_STREAM) were never processed: they are
    # not counted as served until the resend is answered.
    answered = summary["requests"]["succeeded"] + h2_outcomes.ok() + curl_outcomes.ok() + raw_answered
    resends = summary["resends"] + h2_outcomes.resent
    served = {}

    def settled():
        served["count"] = node_embeddings_served(cluster) - served_before
        return served["count"] >= answered

    assert wait_until(settled, timeout=10), (served, answered)
    print(f"served by the nodes: {served['count']}, answered: {answered}, resends: {resends}")
    assert answered <= served["count"] <= answered + resends, (served, answered, resends)
