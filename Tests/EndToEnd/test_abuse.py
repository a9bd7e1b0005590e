"""Protocol abuse (issue 7): HTTP/2 and HTTP/1.1 attacks on the gateway (in front of 2 synthetic nodes)
and on a node directly. Each test runs one attack for a bounded count or time while a well-behaved
HTTP/2 client (Python `h2`, its own connection) posts embeddings in a loop, then checks that the server
closed the abusive connection (GOAWAY with an error code, or TCP close) within a bound, that the
well-behaved client saw no error and only 200s, that the process still serves, that its RSS grew by
less than RSS_BOUND and that its open file descriptors came back to the baseline."""
import json
import os
import socket
import threading
import time

import h2.config
import h2.connection
import h2.events
import pytest

import h2frames as hf
from cluster import Cluster, get, wait_until

RSS_BOUND = 64 * 1024 * 1024
FD_SLACK = 8
IDLE_TIMEOUT = 2.0
REQUEST_TIMEOUT = 3.0
EMBED_BODY = json.dumps({"model": "synthetic", "input": "a well-behaved client"}).encode()


@pytest.fixture(scope="module")
def cluster(murmur_bin, tmp_path_factory):
    running = Cluster(
        murmur_bin,
        str(tmp_path_factory.mktemp("logs")),
        nodes=2,
        extra_env={
            "MURMUR_GATEWAY_IDLE_TIMEOUT": f"{int(IDLE_TIMEOUT * 1000)}ms",
            "MURMUR_GATEWAY_REQUEST_TIMEOUT": f"{int(REQUEST_TIMEOUT * 1000)}ms",
        },
    )
    try:
        # Generous: the shared machine is often busy building; readiness, not speed, is checked here.
        assert running.wait_ready(timeout=120), running.gateway.output()
        yield running
    finally:
        running.stop()


class Target:
    """The process under attack: its port and pid, for the checks that follow every attack."""

    def __init__(self, name, port, pid):
        self.name, self.port, self.pid = name, port, pid

    def rss(self) -> int:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError(f"no VmRSS for {self.name} ({self.pid})")

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def holds(self, sock) -> bool:
        """Whether the process still has the server end of `sock` open. Closing it may leave the
        kernel an orphaned socket still trying to deliver unread bytes (a client that never reads
        never sees the FIN), so this looks at the process's descriptors instead of at the client."""
        client_port = sock.getsockname()[1]
        inode = None
        with open("/proc/net/tcp") as table:
            for line in table.readlines()[1:]:
                fields = line.split()
                local, remote = fields[1].split(":"), fields[2].split(":")
                if int(local[1], 16) == self.port and int(remote[1], 16) == client_port:
                    inode = fields[9]
        if inode is None or inode == "0":
            return False
        wanted = f"socket:[{inode}]"
        for fd in os.listdir(f"/proc/{self.pid}/fd"):
            try:
                if os.readlink(f"/proc/{self.pid}/fd/{fd}") == wanted:
                    return True
            except FileNotFoundError:
                continue
        return False

    def serves(self) -> bool:
        return get(f"http://127.0.0.1:{self.port}/health")[0] == 200


def target_of(cluster, which) -> Target:
    if which == "gateway":
        return Target("gateway", cluster.gateway_port, cluster.gateway.process.pid)
    node = cluster.nodes["node-1"]
    return Target("node-1", node.http_port, node.process.pid)


class WellBehavedClient(threading.Thread):
    """Posts embeddings one after another on one HTTP/2 connection and counts what went wrong."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.stop_event = port, threading.Event()
        self.ok, self.errors = 0, []

    def run(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=20) as sock:
                connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
                connection.initiate_connection()
                sock.sendall(connection.data_to_send())
                while not self.stop_event.is_set():
                    status = self.request(sock, connection)
                    if status == 200:
                        self.ok += 1
                    else:
                        self.errors.append(f"status {status}")
        except Exception as error:  # noqa: BLE001 - any failure is what this client reports
            self.errors.append(repr(error))

    def request(self, sock, connection):
        stream_id = connection.get_next_available_stream_id()
        connection.send_headers(
            stream_id,
            [(":method", "POST"), (":scheme", "http"), (":path", "/v1/embeddings"),
             (":authority", f"127.0.0.1:{self.port}"), ("content-type", "application/json")],
        )
        connection.send_data(stream_id, EMBED_BODY, end_stream=True)
        sock.sendall(connection.data_to_send())
        status = None
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the well-behaved client's connection")
            for event in connection.receive_data(chunk):
                if isinstance(event, h2.events.ResponseReceived):
                    status = int(dict(event.headers)[b":status"])
                elif isinstance(event, h2.events.DataReceived):
                    connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamReset):
                    raise ConnectionError(f"stream reset: {event.error_code!r}")
                elif isinstance(event, h2.events.ConnectionTerminated):
                    raise ConnectionError(f"GOAWAY: {event.error_code!r}")
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream_id:
                    sock.sendall(connection.data_to_send())
                    return status
            sock.sendall(connection.data_to_send())

    def finish(self):
        self.stop_event.set()
        self.join(timeout=30)
        assert not self.is_alive(), "the well-behaved client hung"


class Attack:
    """Baseline, well-behaved client and the checks after an attack, as a context manager."""

    def __init__(self, target: Target):
        self.target = target

    def __enter__(self):
        self.rss_before, self.fds_before = self.target.rss(), self.target.fds()
        self.client = WellBehavedClient(self.target.port)
        self.client.start()
        assert wait_until(lambda: self.client.ok > 0 or self.client.errors, timeout=20), "no request got through"
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            # The well-behaved client must keep going once the attack is over, not just before it.
            after_attack = self.client.ok
            wait_until(lambda: self.client.ok >= after_attack + 3 or self.client.errors, timeout=20)
        self.client.finish()
        if kind is not None:
            return False
        growth = self.target.rss() - self.rss_before
        print(f"{self.target.name}: RSS +{growth / 1048576:.1f} MB, well-behaved {self.client.ok} ok "
              f"{len(self.client.errors)} errors")
        assert self.client.errors == [], self.client.errors[:5]
        assert self.client.ok > 0
        assert self.target.serves(), f"{self.target.name} stopped serving"
        assert growth < RSS_BOUND, f"{self.target.name} RSS grew by {growth} bytes"
        assert wait_until(lambda: self.target.fds() <= self.fds_before + FD_SLACK, timeout=15), (
            f"{self.target.name} holds {self.target.fds()} fds, {self.fds_before} before"
        )
        return False


def h2_connection(port, receive_buffer=None, client_settings=None):
    sock = hf.connect(port, receive_buffer)
    sock.sendall(hf.PREFACE + hf.settings(client_settings or {}))
    return sock


def assert_closed(how, seconds, bound, allowed=("ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "closed")):
    assert how is not None, f"the server kept the abusive connection open for {seconds:.1f} s"
    assert how == "closed" or how.split()[1] in allowed, how
    assert seconds < bound, f"closed after {seconds:.1f} s"


@pytest.mark.parametrize("which", ["gateway", "node"])
def test_rapid_reset(cluster, which):
    """20k HEADERS+DATA+RST_STREAM(CANCEL) streams, sent as fast as the socket takes them."""
    target = target_of(cluster, which)
    block = hf.request_block("POST", "/v1/embeddings", f"127.0.0.1:{target.port}",
                             [("content-type", "application/json")])
    with Attack(target):
        sock = h2_connection(target.port)
        try:
            started, sent, open_ = time.monotonic(), 0, True
            while sent < 20_000 and open_:
                batch = b"".join(
                    hf.headers(2 * (sent + i) + 1, block) + hf.data(2 * (sent + i) + 1, EMBED_BODY)
                    + hf.rst_stream(2 * (sent + i) + 1)
                    for i in range(200)
                )
                open_ = hf.send_or_closed(sock, batch)
                sent += 200
            how, _, _ = hf.await_close(sock, timeout=10)
            report(which, "rapid reset", how, time.monotonic() - started, f"{sent} streams sent")
            assert_closed(how, time.monotonic() - started, bound=15)
        finally:
            sock.close()


def test_continuation_flood(cluster):
    """HEADERS without END_HEADERS, then CONTINUATION frames until the server closes or 10 MB went."""
    target = target_of(cluster, "gateway")
    start = hf.request_block("GET", "/health", f"127.0.0.1:{target.port}")
    field = hf.literal_field(b"x-flood", b"a" * 100)
    chunk = field * (16_000 // len(field))
    with Attack(target):
        sock = h2_connection(target.port)
        try:
            started, sent, open_ = time.monotonic(), 0, hf.send_or_closed(sock, hf.headers(1, start, end_headers=False))
            while sent < 10 * 1024 * 1024 and open_:
                open_ = hf.send_or_closed(sock, hf.continuation(1, chunk))
                sent += len(chunk)
            how, _, _ = hf.await_close(sock, timeout=10)
            report("gateway", "CONTINUATION flood", how, time.monotonic() - started, f"{sent} bytes sent")
            assert_closed(how, time.monotonic() - started, bound=15,
                          allowed=("ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "COMPRESSION_ERROR", "FRAME_SIZE_ERROR"))
        finally:
            sock.close()


@pytest.mark.parametrize("which", ["gateway", "node"])
def test_ping_flood_without_reading(cluster, which):
    """100k PINGs from a client that never reads the ACKs."""
    target = target_of(cluster, which)
    with Attack(target):
        sock = h2_connection(target.port, receive_buffer=4096)
        try:
            started, sent, open_ = time.monotonic(), 0, True
            while sent < 100_000 and open_:
                open_ = hf.send_or_closed(sock, b"".join(hf.ping(i.to_bytes(8, "big")) for i in range(sent, sent + 1000)))
                sent += 1000
            how, _, _ = hf.await_close(sock, timeout=10)
            report(which, "PING flood", how, time.monotonic() - started, f"{sent} PINGs sent")
            assert_closed(how, time.monotonic() - started, bound=15)
        finally:
            sock.close()


def test_settings_flood(cluster):
    """10k SETTINGS frames from a client that never reads the ACKs."""
    target = target_of(cluster, "gateway")
    with Attack(target):
        sock = h2_connection(target.port, receive_buffer=4096)
        try:
            started, sent, open_ = time.monotonic(), 0, True
            frame = hf.settings({hf.SETTINGS_INITIAL_WINDOW_SIZE: 65535, hf.SETTINGS_ENABLE_PUSH: 0})
            while sent < 10_000 and open_:
                open_ = hf.send_or_closed(sock, frame * 500)
                sent += 500
            how, _, _ = hf.await_close(sock, timeout=10)
            report("gateway", "SETTINGS flood", how, time.monotonic() - started, f"{sent} SETTINGS sent")
            assert_closed(how, time.monotonic() - started, bound=15)
        finally:
            sock.close()


@pytest.mark.parametrize("size", [1024 * 1024, 48 * 1024])
def test_oversized_header_block_h2(cluster, size):
    """A header block over the advertised SETTINGS_MAX_HEADER_LIST_SIZE (1 MB, and 48 KB: few enough
    frames to stay under the CONTINUATION limit), in 16 KB frames: the stream is refused (431 or
    RST_STREAM) or the connection is closed with an error, and nothing of it is buffered for long."""
    target = target_of(cluster, "gateway")
    start = hf.request_block("GET", "/health", f"127.0.0.1:{target.port}")
    field = hf.literal_field(b"x-big", b"b" * 100)
    block = start + field * (size // len(field))
    pieces = [block[i : i + 16_384] for i in range(0, len(block), 16_384)]
    with Attack(target):
        sock = h2_connection(target.port)
        try:
            started = time.monotonic()
            payload = hf.headers(1, pieces[0], end_stream=True, end_headers=False) + b"".join(
                hf.continuation(1, piece, end_headers=index == len(pieces) - 2) for index, piece in enumerate(pieces[1:])
            )
            hf.send_or_closed(sock, payload)
            outcome = None
            reader = hf.FrameReader(sock)
            while outcome is None and time.monotonic() - started < 15:
                for kind, flags, stream_id, body in reader.read(0.2):
                    if kind == hf.GOAWAY:
                        outcome = f"GOAWAY {hf.goaway_code(body)}"
                    elif kind == hf.RST_STREAM and stream_id == 1:
                        outcome = f"RST_STREAM {hf.ERROR_NAMES.get(int.from_bytes(body[:4], 'big'))}"
                    elif kind == hf.HEADERS and stream_id == 1:
                        outcome = f"status {hf.decode_block(body).get(':status')}"
                if reader.closed and outcome is None:
                    outcome = "closed"
            report("gateway", f"{size // 1024} KB header block (h2)", outcome, time.monotonic() - started, "")
            assert outcome is not None, "the server neither refused the stream nor closed the connection"
            assert outcome != "status 200", "a 1 MB header block was accepted"
        finally:
            sock.close()


@pytest.mark.parametrize("which", ["gateway", "node"])
def test_oversized_header_http1(cluster, which):
    """A 1 MB header field on HTTP/1.1 gets 431 (or a close) as soon as the limit is crossed."""
    target = target_of(cluster, which)
    with Attack(target):
        sock = hf.connect(target.port)
        try:
            started = time.monotonic()
            head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"c" * (1024 * 1024) + b"\r\n\r\n"
            hf.send_or_closed(sock, head)
            sock.settimeout(10)
            answer = b""
            try:
                while b"\r\n" not in answer:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
            except (ConnectionResetError, socket.timeout):
                pass
            status_line = answer.split(b"\r\n")[0].decode(errors="replace")
            report(which, "1 MB header (HTTP/1.1)", status_line or "closed", time.monotonic() - started, "")
            assert status_line.startswith("HTTP/1.1 431") or status_line == "", status_line
        finally:
            sock.close()


def test_zero_window_stall(cluster):
    """A client that advertises an initial window of 0, opens 100 streams that each ask for an
    embedding and never sends WINDOW_UPDATE: the responses can never be delivered, so the server must
    give up on them and close, not hold the streams (and their buffers) for ever."""
    target = target_of(cluster, "gateway")
    block = hf.request_block("POST", "/v1/embeddings", f"127.0.0.1:{target.port}",
                             [("content-type", "application/json")])
    with Attack(target):
        sock = h2_connection(target.port, client_settings={hf.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        try:
            started = time.monotonic()
            body = json.dumps({"model": "synthetic", "input": [f"stalled {i}" for i in range(8)]}).encode()
            requests = b"".join(hf.headers(2 * i + 1, block) + hf.data(2 * i + 1, body) for i in range(100))
            hf.send_or_closed(sock, hf.settings(ack=True) + requests)
            how, _, seen = hf.await_close(sock, timeout=IDLE_TIMEOUT + REQUEST_TIMEOUT + 20)
            resets = sum(1 for kind, *_ in seen if kind == hf.RST_STREAM)
            report("gateway", "zero-window stall", how, time.monotonic() - started, f"{resets} streams reset")
            assert_closed(how, time.monotonic() - started, bound=IDLE_TIMEOUT + REQUEST_TIMEOUT + 20,
                          allowed=("NO_ERROR", "ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "FLOW_CONTROL_ERROR"))
        finally:
            sock.close()


@pytest.mark.parametrize("which,protocol", [("gateway", "http1"), ("node", "http1"), ("gateway", "h2")])
def test_slowloris(cluster, which, protocol):
    """200 connections that each send one more byte of a request head every second (HTTP/1.1 header
    bytes, or an HTTP/2 HEADERS frame after the preface): every one is closed once it has taken too
    long, however steadily it trickles."""
    target = target_of(cluster, which)
    if protocol == "http1":
        opening = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "
    else:
        block = hf.request_block("GET", "/health", f"127.0.0.1:{target.port}", [("x-slow", "s" * 1000)])
        # The frame header promises the whole block; the block then arrives a byte at a time.
        opening = hf.PREFACE + hf.settings() + hf.headers(1, block, end_stream=True)[:9]
    with Attack(target):
        sockets = []
        try:
            started = time.monotonic()
            for _ in range(200):
                sock = hf.connect(target.port)
                sock.sendall(opening)
                sockets.append(sock)
            closed_at = {}
            bound = IDLE_TIMEOUT + 15
            while len(closed_at) < len(sockets) and time.monotonic() - started < bound:
                for index, sock in enumerate(sockets):
                    if index in closed_at:
                        continue
                    if not hf.send_or_closed(sock, b"a") or peer_closed(sock):
                        closed_at[index] = time.monotonic() - started
                time.sleep(1)
            slowest = max(closed_at.values(), default=float("inf"))
            report(which, f"slowloris x200 ({protocol})", f"{len(closed_at)} closed", slowest, "slowest close")
            assert len(closed_at) == len(sockets), f"{len(sockets) - len(closed_at)} slowloris connections still open"
        finally:
            for sock in sockets:
                sock.close()


def test_slow_read_http1_pipelining(cluster):
    """An HTTP/1.1 client that pipelines 2,000 embedding requests and never reads a response: once its
    receive buffer is full the responses stall, and the server must close it rather than wait."""
    target = target_of(cluster, "gateway")
    body = json.dumps({"model": "synthetic", "input": [f"unread {i}" for i in range(16)]}).encode()
    request = (b"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    with Attack(target):
        sock = hf.connect(target.port, receive_buffer=4096)
        try:
            # Until the server has accepted the connection, its end has no descriptor either.
            assert wait_until(lambda: target.holds(sock), timeout=10), "the server never accepted the connection"
            started, sent, open_ = time.monotonic(), 0, True
            while sent < 2000 and open_:
                open_ = hf.send_or_closed(sock, request * 100, timeout=IDLE_TIMEOUT + REQUEST_TIMEOUT + 20)
                sent += 100
            bound = IDLE_TIMEOUT + REQUEST_TIMEOUT + 20
            closed = wait_until(lambda: not target.holds(sock), timeout=bound)
            report("gateway", "HTTP/1.1 slow read", "closed" if closed else None, time.monotonic() - started,
                   f"{sent} requests sent")
            assert closed, "the server kept a client that never reads open"
        finally:
            sock.close()


def peer_closed(sock) -> bool:
    """True once the server has closed; an error response it sends first is read and dropped."""
    sock.setblocking(False)
    try:
        while sock.recv(4096):
            pass
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)


def report(which, attack, how, seconds, detail):
    print(f"\n[abuse] {which}: {attack}: {how} after {seconds:.2f} s {detail}")
