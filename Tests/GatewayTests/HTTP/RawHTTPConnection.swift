import NIOCore
import NIOPosix

/// A TCP client for tests that writes exact bytes (including lies and garbage) and reads HTTP/1.1
/// responses back, so the server is tested against what a real socket carries.
struct RawHTTPConnection {
    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    struct ProtocolViolation: Error, CustomStringConvertible {
        var description: String
    }

    /// Hands every byte read to the test's stream and ends it when the server closes.
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let sink: AsyncStream<ByteBuffer>.Continuation

        init(sink: AsyncStream<ByteBuffer>.Continuation) {
            self.sink = sink
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            sink.yield(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            sink.finish()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // A reset after the server closed with our bytes unread: the stream ends at close.
            context.close(promise: nil)
        }
    }

    private let channel: any Channel
    private var iterator: AsyncStream<ByteBuffer>.AsyncIterator
    private var received = ByteBuffer()
    /// Every byte the server has sent so far, read or not.
    private(set) var totalBytesReceived = 0

    static func connect(to address: SocketAddress) async throws -> RawHTTPConnection {
        let (stream, sink) = AsyncStream.makeStream(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(sink: sink))
                }
            }
            .connect(to: address)
            .get()
        return RawHTTPConnection(channel: channel, iterator: stream.makeAsyncIterator())
    }

    private init(channel: any Channel, iterator: AsyncStream<ByteBuffer>.AsyncIterator) {
        self.channel = channel
        self.iterator = iterator
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func close() async throws {
        try await channel.close()
    }

    /// Reads one response (headers, then a `content-length` body).
    mutating func readResponse() async throws -> Response {
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd = received.readableBytesView.firstRange(of: separator)
        while headerEnd == nil {
            guard try await readMore() else { throw ProtocolViolation(description: "closed before a response head") }
            headerEnd = received.readableBytesView.firstRange(of: separator)
        }
        guard let headerEnd else { throw ProtocolViolation(description: "no response head") }
        let headLength = headerEnd.upperBound - received.readerIndex
        let head = received.readString(length: headLength) ?? ""
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw ProtocolViolation(description: "bad status line in \(head)")
        }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: " "))
        }
        let length = Int(headers.first { $0.name.lowercased() == "content-length" }?.value ?? "0") ?? 0
        while received.readableBytes < length {
            guard try await readMore() else { throw ProtocolViolation(description: "closed inside a response body") }
        }
        let body = received.readString(length: length) ?? ""
        if status < 200 { return try await readResponse() }
        return Response(status: status, headers: headers, body: body)
    }

    /// Waits for the server to close the connection and returns whatever arrived after the last
    /// response read (a server that never closes makes the suite's time limit fail the test).
    mutating func readUntilClosed() async throws -> String {
        while try await readMore() {}
        return received.readString(length: received.readableBytes) ?? ""
    }

    /// Reads HTTP/2 frames (after the server's preface) until one of `type` arrives; returns the
    /// types seen, in order, ending with `type`.
    mutating func readHTTP2Frames(until type: UInt8) async throws -> [UInt8] {
        var types: [UInt8] = []
        while true {
            while received.readableBytes < 9 {
                guard try await readMore() else { throw ProtocolViolation(description: "closed before frame \(type)") }
            }
            guard
                let length = received.getInteger(at: received.readerIndex, as: UInt32.self).map({ Int($0 >> 8) }),
                let frameType = received.getInteger(at: received.readerIndex + 3, as: UInt8.self)
            else { throw ProtocolViolation(description: "unreadable frame header") }
            while received.readableBytes < 9 + length {
                guard try await readMore() else { throw ProtocolViolation(description: "closed inside a frame") }
            }
            received.moveReaderIndex(forwardBy: 9 + length)
            types.append(frameType)
            if frameType == type { return types }
        }
    }

    /// One HTTP/2 frame as read off the wire.
    struct HTTP2Frame {
        var type: UInt8
        var flags: UInt8
        var streamID: UInt32
        var payload: [UInt8]
    }

    /// Reads the next HTTP/2 frame (after the server's preface, which is the server's SETTINGS frame).
    mutating func readHTTP2Frame() async throws -> HTTP2Frame {
        while received.readableBytes < 9 {
            guard try await readMore() else { throw ProtocolViolation(description: "closed before a frame header") }
        }
        guard
            let length = received.getInteger(at: received.readerIndex, as: UInt32.self).map({ Int($0 >> 8) }),
            let type = received.getInteger(at: received.readerIndex + 3, as: UInt8.self),
            let flags = received.getInteger(at: received.readerIndex + 4, as: UInt8.self),
            let streamID = received.getInteger(at: received.readerIndex + 5, as: UInt32.self)
        else { throw ProtocolViolation(description: "unreadable frame header") }
        while received.readableBytes < 9 + length {
            guard try await readMore() else { throw ProtocolViolation(description: "closed inside a frame") }
        }
        received.moveReaderIndex(forwardBy: 9)
        let payload = received.readBytes(length: length) ?? []
        return HTTP2Frame(type: type, flags: flags, streamID: streamID & 0x7FFF_FFFF, payload: payload)
    }

    private mutating func readMore() async throws -> Bool {
        guard var chunk = await iterator.next() else { return false }
        totalBytesReceived += chunk.readableBytes
        received.writeBuffer(&chunk)
        return true
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var view = self[...]
        while view.first == set { view.removeFirst() }
        while view.last == set { view.removeLast() }
        return String(view)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(self).trimmingCharacters(in: set)
    }
}
