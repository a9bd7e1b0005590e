import NIOCore
import Testing

@testable import Gateway

/// HTTP/2 streams served by `HTTP2StreamResponder` inside the connection's pipeline: a reset stream
/// cancels its responder while the connection serves on, a body that stops arriving gets 408 and a
/// reset, responses larger than every flow-control window arrive whole, a response held at a zero
/// window is reset after the stall timeout, and graceful shutdown lets every in-flight stream finish.
@Suite(.timeLimit(.minutes(1)))
struct HTTP2StreamResponderTests {
    private enum FrameType {
        static let data: UInt8 = 0x0
        static let headers: UInt8 = 0x1
        static let rstStream: UInt8 = 0x3
        static let settings: UInt8 = 0x4
    }

    private enum Flag {
        static let endStream: UInt8 = 0x1
        static let endHeaders: UInt8 = 0x4
    }

    private static func frame(type: UInt8, flags: UInt8, streamID: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count)
        return [
            UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8),
            UInt8(truncatingIfNeeded: length), type, flags,
            UInt8(truncatingIfNeeded: streamID >> 24), UInt8(truncatingIfNeeded: streamID >> 16),
            UInt8(truncatingIfNeeded: streamID >> 8), UInt8(truncatingIfNeeded: streamID),
        ] + payload
    }

    private static func literal(nameIndex: UInt8, _ value: String) -> [UInt8] {
        // Literal header field without indexing, indexed name (4-bit prefix), plain-text value.
        let prefix: [UInt8] = nameIndex < 15 ? [nameIndex] : [15, nameIndex - 15]
        return prefix + [UInt8(value.utf8.count)] + Array(value.utf8)
    }

    /// A request's HEADERS frame with HPACK static-table indices (`:method GET` 2, `POST` 3,
    /// `:scheme http` 6) and literal values for `:path` (4), `:authority` (1, when given) and `extra`.
    private static func requestHeaders(
        streamID: UInt32,
        post: Bool = false,
        path: String,
        authority: String?,
        extra: [UInt8] = [],
        endStream: Bool = true
    ) -> [UInt8] {
        var block: [UInt8] = [post ? 0x83 : 0x82, 0x86] + literal(nameIndex: 4, path)
        if let authority { block += literal(nameIndex: 1, authority) }
        block += extra
        return frame(
            type: FrameType.headers,
            flags: (endStream ? Flag.endStream : 0) | Flag.endHeaders,
            streamID: streamID,
            payload: block
        )
    }

    /// Reads frames until `streamID` ends (END_STREAM or RST_STREAM); returns its frames.
    private static func readStream(
        _ streamID: UInt32,
        on connection: inout RawHTTPConnection
    ) async throws -> [RawHTTPConnection.HTTP2Frame] {
        var frames: [RawHTTPConnection.HTTP2Frame] = []
        while true {
            let frame = try await connection.readHTTP2Frame()
            if frame.streamID == 0 { continue }
            #expect(frame.streamID == streamID, "a frame of type \(frame.type) arrived for stream \(frame.streamID)")
            frames.append(frame)
            if frame.type == FrameType.rstStream || frame.flags & Flag.endStream != 0 { return frames }
        }
    }

    /// Opens an h2c connection: preface and an empty SETTINGS frame.
    private static func openHTTP2(to address: SocketAddress) async throws -> RawHTTPConnection {
        let connection = try await RawHTTPConnection.connect(to: address)
        try await connection.send(
            Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
                + frame(type: FrameType.settings, flags: 0, streamID: 0, payload: [])
        )
        return connection
    }

    @Test func clientResetCancelsTheRespondersTaskAndTheConnectionServesOn() async throws {
        try await HTTPServerTests.withServer { server, responder in
            var connection = try await Self.openHTTP2(to: server.localAddress)
            var events = responder.events.makeAsyncIterator()
            try await connection.send(Self.requestHeaders(streamID: 1, path: "/hold/reset", authority: "t"))
            #expect(await events.next() == .started("/hold/reset"))

            // RST_STREAM with CANCEL (0x8) on the held stream only.
            try await connection.send(
                Self.frame(type: FrameType.rstStream, flags: 0, streamID: 1, payload: [0, 0, 0, 8])
            )
            #expect(await events.next() == .cancelled("/hold/reset"))

            // The same connection answers the next stream (sent without :authority, which the
            // server fills in), and nothing arrives for the reset one.
            try await connection.send(Self.requestHeaders(streamID: 3, path: "/after", authority: nil))
            let frames = try await Self.readStream(3, on: &connection)
            let status = frames.first { $0.type == FrameType.headers }?.payload ?? []
            let body = frames.filter { $0.type == FrameType.data }.flatMap(\.payload)
            // HPACK static index 8 is `:status 200`.
            #expect(status.first == 0x88)
            #expect(String(decoding: body, as: UTF8.self) == "GET /after 0 HTTP/2")
            #expect(responder.callCount == 2)
            try await connection.close()
        }
    }

    @Test func bodyThatStopsArrivingGets408AndTheStreamIsReset() async throws {
        let configuration = HTTPServerTests.configuration(requestBodyTimeout: .milliseconds(100))
        try await HTTPServerTests.withServer(configuration) { server, responder in
            var connection = try await Self.openHTTP2(to: server.localAddress)
            // content-length (static index 28) promises 10 bytes; 3 arrive, and no END_STREAM.
            try await connection.send(
                Self.requestHeaders(
                    streamID: 1,
                    post: true,
                    path: "/slow",
                    authority: "t",
                    extra: Self.literal(nameIndex: 28, "10"),
                    endStream: false
                ) + Self.frame(type: FrameType.data, flags: 0, streamID: 1, payload: Array("abc".utf8))
            )
            let frames = try await Self.readStream(1, on: &connection)
            let body = String(decoding: frames.filter { $0.type == FrameType.data }.flatMap(\.payload), as: UTF8.self)
            #expect(try HTTPServerTests.errorCode(body) == "request_timeout")
            // The answer ends the server's side; the reset tells the client to stop sending.
            if frames.last?.type != FrameType.rstStream {
                var reset = try await connection.readHTTP2Frame()
                while reset.streamID == 0 { reset = try await connection.readHTTP2Frame() }
                #expect(reset.type == FrameType.rstStream && reset.streamID == 1)
            }
            #expect(responder.callCount == 0)
            #expect(server.inFlightRequests == 0)
            try await connection.close()
        }
    }

    @Test func responsesLargerThanEveryFlowControlWindowArriveWhole() async throws {
        try await HTTPServerTests.withServer { server, _ in
            // Stream and connection windows of 1023 bytes: each response crosses hundreds of
            // WINDOW_UPDATEs, and the stream must stay open until its last byte is out.
            let sizes = [300_000, 70_000]
            let output = try await ExternalTool.run(
                "nghttp",
                ["-w", "10", "-W", "10"] + sizes.map { HTTPServerTests.url(server, "/large/\($0)") }
            )
            #expect(output.status == 0, "nghttp: \(output.stderr)")
            #expect(output.stdout.utf8.count == sizes.reduce(0, +))
            #expect(output.stdout.utf8.allSatisfy { $0 == UInt8(ascii: "z") })
        }
    }

    @Test func responseAClientNeverLetsThroughIsResetAfterTheStallTimeout() async throws {
        var configuration = HTTPServerTests.configuration()
        // Long enough that a loaded machine reads the request before the new connection counts as idle.
        configuration.idleTimeout = .seconds(1)
        try await HTTPServerTests.withServer(configuration) { server, responder in
            // SETTINGS_INITIAL_WINDOW_SIZE (0x4) = 0: no DATA may flow on any stream until a
            // WINDOW_UPDATE that never comes.
            var connection = try await RawHTTPConnection.connect(to: server.localAddress)
            try await connection.send(
                Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
                    + Self.frame(type: FrameType.settings, flags: 0, streamID: 0, payload: [0, 4, 0, 0, 0, 0])
                    + Self.requestHeaders(streamID: 1, path: "/large/5000", authority: "t")
            )
            // The stream is reset after the stall timeout; the connection, idle then, is closed soon
            // after. (On a starved test machine both can fire in one event-loop tick, and the reset
            // may then be lost with the connection: either way no DATA ever came and nothing is held.)
            var frames: [RawHTTPConnection.HTTP2Frame] = []
            var connectionClosed = false
            while frames.last?.type != FrameType.rstStream, !connectionClosed {
                do {
                    let frame = try await connection.readHTTP2Frame()
                    if frame.streamID == 1 { frames.append(frame) }
                } catch {
                    connectionClosed = true
                }
            }
            #expect(frames.first?.type == FrameType.headers)
            #expect(!frames.contains { $0.type == FrameType.data })
            if !connectionClosed { #expect(frames.map(\.type) == [FrameType.headers, FrameType.rstStream]) }
            #expect(responder.callCount == 1)
            #expect(server.inFlightRequests == 0)
            try await connection.close()
        }
    }

    @Test func gracefulShutdownFinishesEveryInFlightStream() async throws {
        let responder = RecordingResponder()
        let server = try await HTTPServer.bind(configuration: HTTPServerTests.configuration(), responder: responder)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let paths = (1...3).map { "/hold/drain\($0)" }
            let client = try ExternalTool("nghttp", paths.map { HTTPServerTests.url(server, $0) })
            var started: Set<String> = []
            for await event in responder.events {
                if case .started(let path) = event { started.insert(path) }
                if started.count == paths.count { break }
            }
            #expect(server.inFlightRequests == paths.count)
            server.shutdown()
            responder.openGate()
            let output = await client.output()
            #expect(output.status == 0, "nghttp: \(output.stderr)")
            for path in paths {
                #expect(output.stdout.contains("GET \(path) 0 HTTP/2"))
            }
            try await group.waitForAll()
        }
        #expect(server.inFlightRequests == 0)
        #expect(server.openConnections == 0)
    }
}
