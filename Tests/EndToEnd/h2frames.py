"""Raw HTTP/2 frames on a plain socket, for the abuse tests: `h2` refuses to misbehave (floods, endless
CONTINUATION, ignoring flow control), so these build the bytes with `struct` and read the server's
frames back without any protocol state of our own."""
import socket
import struct
import time

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4

SETTINGS_HEADER_TABLE_SIZE, SETTINGS_ENABLE_PUSH, SETTINGS_MAX_CONCURRENT_STREAMS = 1, 2, 3
SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE = 4, 5, 6

ERROR_NAMES = {
    0x0: "NO_ERROR",
    0x1: "PROTOCOL_ERROR",
    0x2: "INTERNAL_ERROR",
    0x3: "FLOW_CONTROL_ERROR",
    0x4: "SETTINGS_TIMEOUT",
    0x5: "STREAM_CLOSED",
    0x6: "FRAME_SIZE_ERROR",
    0x7: "REFUSED_STREAM",
    0x8: "CANCEL",
    0x9: "COMPRESSION_ERROR",
    0xA: "CONNECT_ERROR",
    0xB: "ENHANCE_YOUR_CALM",
    0xC: "INADEQUATE_SECURITY",
    0xD: "HTTP_1_1_REQUIRED",
}
CANCEL = 0x8


def frame(kind: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", kind, flags, stream_id & 0x7FFFFFFF) + payload


def settings(values=None, ack=False) -> bytes:
    payload = b"".join(struct.pack(">HI", key, value) for key, value in (values or {}).items())
    return frame(SETTINGS, ACK if ack else 0, 0, payload)


def ping(opaque: bytes = b"\0" * 8, ack=False) -> bytes:
    return frame(PING, ACK if ack else 0, 0, opaque)


def headers(stream_id: int, block: bytes, end_stream=False, end_headers=True) -> bytes:
    flags = (END_STREAM if end_stream else 0) | (END_HEADERS if end_headers else 0)
    return frame(HEADERS, flags, stream_id, block)


def continuation(stream_id: int, block: bytes, end_headers=False) -> bytes:
    return frame(CONTINUATION, END_HEADERS if end_headers else 0, stream_id, block)


def data(stream_id: int, payload: bytes, end_stream=True) -> bytes:
    return frame(DATA, END_STREAM if end_stream else 0, stream_id, payload)


def rst_stream(stream_id: int, code: int = CANCEL) -> bytes:
    return frame(RST_STREAM, 0, stream_id, struct.pack(">I", code))


def request_block(method: str, path: str, authority: str, extra=()) -> bytes:
    """One header block encoded without touching the dynamic table, so the same bytes can open any
    number of streams."""
    fields = [(":method", method), (":scheme", "http"), (":path", path), (":authority", authority), *extra]
    return b"".join(literal_field(name.encode(), value.encode()) for name, value in fields)


def literal_field(name: bytes, value: bytes) -> bytes:
    """A header field as 'literal without indexing, new name' (RFC 7541 §6.2.2), no Huffman."""
    return b"\x00" + hpack_length(len(name)) + name + hpack_length(len(value)) + value


def hpack_length(length: int) -> bytes:
    """An HPACK integer with a 7-bit prefix and the Huffman bit clear."""
    if length < 127:
        return bytes([length])
    out, length = bytearray([127]), length - 127
    while length >= 128:
        out.append((length & 0x7F) | 0x80)
        length >>= 7
    out.append(length)
    return bytes(out)


def decode_block(block: bytes) -> dict:
    return dict(hpack.Decoder().decode(block))


class FrameReader:
    """Frames the server sends, parsed from whatever the socket yields."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buffer, self.closed = sock, b"", False

    def read(self, timeout: float):
        """Frames that arrived within `timeout`; sets `closed` on EOF or a reset."""
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                self.closed = True
            self.buffer += chunk
        except (socket.timeout, BlockingIOError):
            pass
        except OSError:
            self.closed = True
        frames = []
        while len(self.buffer) >= 9:
            length = int.from_bytes(self.buffer[:3], "big")
            if len(self.buffer) < 9 + length:
                break
            kind, flags, stream_id = struct.unpack(">BBI", self.buffer[3:9])
            frames.append((kind, flags, stream_id & 0x7FFFFFFF, self.buffer[9 : 9 + length]))
            self.buffer = self.buffer[9 + length :]
        return frames


def goaway_code(payload: bytes) -> str:
    return ERROR_NAMES.get(struct.unpack(">I", payload[4:8])[0], "UNKNOWN")


def connect(port: int, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        # A small receive window makes "never reads" bite quickly: the server's answers back up.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.connect(("127.0.0.1", port))
    return sock


def send_or_closed(sock: socket.socket, payload: bytes, timeout: float = 10.0) -> bool:
    """Sends everything; False when the server has closed (reset or broken pipe) the connection.
    A server that stops reading without closing makes this raise `socket.timeout`, a test failure."""
    sock.settimeout(timeout)
    try:
        sock.sendall(payload)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def await_close(sock: socket.socket, timeout: float):
    """Reads until the server sends a GOAWAY with an error code or closes. Returns (how, seconds
    waited, frames seen): how is 'GOAWAY <code>', 'GOAWAY NO_ERROR' once the connection has also
    closed (a graceful GOAWAY alone leaves it open), 'closed' (EOF or reset without GOAWAY), or None
    when still open."""
    reader, seen, started, graceful = FrameReader(sock), [], time.monotonic(), False
    while time.monotonic() - started < timeout:
        for kind, flags, stream_id, payload in reader.read(0.2):
            seen.append((kind, flags, stream_id, payload))
            if kind == GOAWAY:
                if goaway_code(payload) != "NO_ERROR":
                    return f"GOAWAY {goaway_code(payload)}", time.monotonic() - started, seen
                graceful = True
        if reader.closed:
            return "GOAWAY NO_ERROR" if graceful else "closed", time.monotonic() - started, seen
    return None, time.monotonic() - started, seen
