import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Gateway

/// The server on real loopback sockets (port 0), driven by raw bytes and by clients nobody here
/// wrote (curl, nghttp).
@Suite(.timeLimit(.minutes(1)))
struct HTTPServerTests {
    static func configuration(
        maxBodyBytes: Int = 2 * 1024 * 1024,
        requestBodyTimeout: TimeAmount = .seconds(30),
        tls: HTTPServer.Configuration.TLS? = nil
    ) -> HTTPServer.Configuration {
        HTTPServer.Configuration(
            host: "127.0.0.1",
            port: 0,
            tls: tls,
            maxBodyBytes: maxBodyBytes,
            requestBodyTimeout: requestBodyTimeout,
            shutdownGracePeriod: .seconds(10)
        )
    }

    /// Runs `body` against a serving server, then shuts it down and waits for `run()` to return.
    static func withServer(
        _ configuration: HTTPServer.Configuration = configuration(),
        _ body: (HTTPServer, RecordingResponder) async throws -> Void
    ) async throws {
        let responder = RecordingResponder()
        let server = try await HTTPServer.bind(configuration: configuration, responder: responder)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                try await body(server, responder)
            } catch {
                server.shutdown()
                try await group.waitForAll()
                throw error
            }
            server.shutdown()
            try await group.waitForAll()
        }
    }

    static func url(_ server: HTTPServer, _ path: String) -> String {
        "http://127.0.0.1:\(server.localAddress.port ?? 0)\(path)"
    }

    static func errorCode(_ body: String) throws -> String? {
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let error = try #require(object?["error"] as? [String: Any])
        #expect(error["message"] is String)
        #expect(error["type"] is String)
        return error["code"] as? String
    }

    @Test func http1KeepAliveServesGetThenPostOnOneConnection() async throws {
        try await Self.withServer { server, responder in
            var connection = try await RawHTTPConnection.connect(to: server.localAddress)
            try await connection.send("GET /v1/models?x=1 HTTP/1.1\r\nHost: t\r\n\r\n")
            let first = try await connection.readResponse()
            #expect(first.status == 200)
            #expect(first.body == "GET /v1/models?x=1 0 HTTP/1.1")
            #expect(first.header("server") == "murmur")
            #expect(first.header("content-length") == String(first.body.utf8.count))
            #expect(first.header("connection") == nil)

            try await connection.send("POST /v1/embeddings HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
            let second = try await connection.readResponse()
            #expect(second.body == "POST /v1/embeddings 5 HTTP/1.1")
            #expect(responder.callCount == 2)
            try await connection.close()
        }
    }

    @Test func http1PipelinedRequestsAreAnsweredInOrder() async throws {
        try await Self.withServer { server, _ in
            var connection = try await RawHTTPConnection.connect(to: server.localAddress)
            try await connection.send(
                "GET /1 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /2 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                    + "GET /3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
            )
            let first = try await connection.readResponse()
            #expect(first.body == "GET /1 0 HTTP/1.1")
            let second = try await connection.readResponse()
            #expect(second.body == "POST /2 3 HTTP/1.1")
            let last = try await connection.readResponse()
            #expect(last.body == "GET /3 0 HTTP/1.1")
            #expect(last.header("connection") == "close")
            let trailing = try await connection.readUntilClosed()
            #expect(trailing.isEmpty)
        }
    }

    @Test func largeResponsesArriveWholeWhenTheirChannelCloses() async throws {
        let size = 32 * 1024 * 1024
        try await Self.withServer { server, _ in
            var connection = try await RawHTTPConnection.connect(to: server.localAddress)
            try await connection.send("GET /large/\(size) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(response.body.utf8.count == size)
            #expect(response.header("connection") == "close")

            let h2 = try await ExternalTool.run(
                "curl",
                [
                    "-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{size_download}",
                    Self.url(server, "/large/\(size)"),
                ]
            )
            #expect(h2.stdout == String(size), "curl: \(h2.stderr)")
        }
    }

    @Test func h2cPriorKnowledgeServesConcurrentStreamsOnOneConnection() async throws {
        try await Self.withServer { server, responder in
            // Each request waits until all four have reached the responder, so they can only
            // complete if the four streams run at once on nghttp's single connection.
            let paths = (1...4).map { "/hold/\($0)" }
            let client = try ExternalTool("nghttp", paths.map { Self.url(server, $0) })
            var started: Set<String> = []
            for await event in responder.events {
                if case .started(let path) = event { started.insert(path) }
                if started.count == paths.count { break }
            }
            responder.openGate()
            let output = await client.output()
            #expect(output.status == 0, "nghttp failed: \(output.stderr)")
            for path in paths {
                #expect(output.stdout.contains("GET \(path) 0 HTTP/2"))
            }
        }
    }

    @Test func http2SettingsAdvertiseTheStreamAndHeaderLimits() async throws {
        try await Self.withServer { server, _ in
            let output = try await ExternalTool.run("nghttp", ["-nv", Self.url(server, "/settings")])
            #expect(output.status == 0, "nghttp: \(output.stderr)")
            #expect(output.stdout.contains("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):128"))
            #expect(output.stdout.contains("SETTINGS_MAX_HEADER_LIST_SIZE(0x06):16384"))
        }
    }

    @Test func h2cPostWithCurlAndHTTP1OnTheSamePort() async throws {
        try await Self.withServer { server, _ in
            let h2 = try await ExternalTool.run(
                "curl",
                ["-sS", "--http2-prior-knowledge", "-d", "abcdef", "-w", " %{http_version}", Self.url(server, "/e")]
            )
            #expect(h2.stdout == "POST /e 6 HTTP/2 2", "curl: \(h2.stderr)")
            let h1 = try await ExternalTool.run("curl", ["-sS", "-w", " %{http_version}", Self.url(server, "/f")])
            #expect(h1.stdout == "GET /f 0 HTTP/1.1 1.1", "curl: \(h1.stderr)")
            // A client that asks `Expect: 100-continue` gets the go-ahead before it sends the body.
            let upload = try await ExternalTool.run(
                "curl",
                [
                    "-sS", "-v", "--http1.1", "-H", "Expect: 100-continue", "-d", String(repeating: "u", count: 2000),
                    Self.url(server, "/u"),
                ]
            )
            #expect(upload.stdout == "POST /u 2000 HTTP/1.1", "curl: \(upload.stderr)")
            #expect(upload.stderr.contains("HTTP/1.1 100 Continue"))
        }
    }

    @Test func tlsNegotiatesH2AndHTTP1WithALPN() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("murmur-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = try await ExternalTool.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=localhost",
            ]
        )
        try #require(openssl.status == 0, "openssl failed: \(openssl.stderr)")
        let tls = HTTPServer.Configuration.TLS(
            host: "127.0.0.1",
            port: 0,
            certificateChainPath: certificate,
            privateKeyPath: key
        )
        try await Self.withServer(Self.configuration(tls: tls)) { server, _ in
            let port = try #require(server.tlsLocalAddress?.port)
            let url = "https://127.0.0.1:\(port)/secure"
            let h2 = try await ExternalTool.run("curl", ["-sSk", "--http2", "-w", " %{http_version}", url])
            #expect(h2.stdout == "GET /secure 0 HTTP/2 2", "curl: \(h2.stderr)")
            let h1 = try await ExternalTool.run("curl", ["-sSk", "--http1.1", "-w", " %{http_version}", url])
            #expect(h1.stdout == "GET /secure 0 HTTP/1.1 1.1", "curl: \(h1.stderr)")
        }
    }

    @Test func declaredBodyOverLimitGets413WithoutReachingTheResponder() async throws {
        try await Self.withServer { server, responder in
            var connection = try await RawHTTPConnection.connect(to: server.localAddress)
            try await connection.send("POST /v1/embeddings HTTP/1.1\r\nHost: t\r\nContent-Length: 3000000\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(response.status == 413)
            #expect(try Self.errorCode(response.body) == "request_too_large")
            #expect(response.header("content-type") == "application/json")
            let trailing = try await connection.readUntilClosed()
            #expect(trailing.isEmpty)
            #expect(responder.callCount == 0)
        }
    }

    @Test func streamedBodyOverLimitGets413OnBothProtocols() async throws {
        try await Self.withServer(Self.configuration(maxBodyBytes: 1024)) { server, responder in
            var connection = try await RawHTTPConnection.connect(to: server.localAddress)
            let chunk = String(repeating: "x", count: 800)
            try await connection.send(
                "POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n"
            )
            let response = try await connection.readResponse()
            #expect(response.status == 413)
            #expect(try Self.errorCode(response.body) == "request_too_large")

            let h2 = try await ExternalTool.run(
                "curl",
                [
                    "-sS", "--http2-prior-knowledge", "-d", String(repeating: "y", count: 1500),
                    "-w", "\n%{http_code}", Self.url(server, "/big"),
                ]
            )
            let lines = h2.stdout.split(separator: "\n")
            #expect(lines.last == "413", "curl: \(h2.stdout) \(h2.stderr)")
            #expect(try Self.errorCode(String(lines.first ?? "")) == "request_too_large")
            #expect(responder.callCount == 0)
        }
    }

    @Test func halfSentBodiesNeverReachTheResponder() async throws {
        let responder = RecordingResponder()
        let server = try await HTTPServer.bind(configuration: Self.configuration(), responder: responder)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            // A Content-Length that lies, then a hang-up.
            let liar = try await RawHTTPConnection.connect(to: server.localAddress)
            try await liar.send("POST /lie HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789")
            try await liar.close()
            // A chunked body cut off mid-chunk.
            let cut = try await RawHTTPConnection.connect(to: server.localAddress)
            try await cut.send("POST /cut HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc")
            try await cut.close()
            // run() returns only after every connection's task has finished, so a call would show.
            server.shutdown()
            try await group.waitForAll()
        }
        #expect(responder.callCount == 0)
        #expect(server.inFlightRequests == 0)
    }

    @Test func bodyThatStopsArrivingGets408() async throws {
        try await Self.withServer(Self.configuration(requestBodyTimeout: .milliseconds(100))) { server, responder in
            var connection = try await RawHTTPConnection.connect(to: server.localAddress)
            try await connection.send("POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            let response = try await connection.readResponse()
            #expect(response.status == 408)
            #expect(try Self.errorCode(response.body) == "request_timeout")
            let trailing = try await connection.readUntilClosed()
            #expect(trailing.isEmpty)
            #expect(responder.callCount == 0)
        }
    }

    @Test func clientHangingUpCancelsTheResponderOverHTTP1() async throws {
        try await Self.withServer { server, responder in
            let connection = try await RawHTTPConnection.connect(to: server.localAddress)
            try await connection.send("GET /hold/h1 HTTP/1.1\r\nHost: t\r\n\r\n")
            var events = responder.events.makeAsyncIterator()
            #expect(await events.next() == .started("/hold/h1"))
            #expect(server.inFlightRequests == 1)
            try await connection.close()
            #expect(await events.next() == .cancelled("/hold/h1"))
        }
    }

    @Test func clientHangingUpCancelsTheResponderOverHTTP2() async throws {
        try await Self.withServer { server, responder in
            let client = try ExternalTool("curl", ["-sS", "--http2-prior-knowledge", Self.url(server, "/hold/h2")])
            var events = responder.events.makeAsyncIterator()
            #expect(await events.next() == .started("/hold/h2"))
            client.kill()
            _ = await client.output()
            #expect(await events.next() == .cancelled("/hold/h2"))
        }
    }

    @Test func gracefulShutdownLetsInFlightHTTP1RequestFinish() async throws {
        let responder = RecordingResponder()
        let server = try await HTTPServer.bind(configuration: Self.configuration(), responder: responder)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var connection = try await RawHTTPConnection.connect(to: server.localAddress)
            try await connection.send("GET /hold/drain HTTP/1.1\r\nHost: t\r\n\r\n")
            var events = responder.events.makeAsyncIterator()
            #expect(await events.next() == .started("/hold/drain"))

            server.shutdown()
            responder.openGate()
            let response = try await connection.readResponse()
            #expect(response.status == 200)
            #expect(response.body == "GET /hold/drain 0 HTTP/1.1")
            #expect(response.header("connection") == "close")
            let trailing = try await connection.readUntilClosed()
            #expect(trailing.isEmpty)
            try await group.waitForAll()
        }
        #expect(server.inFlightRequests == 0)
        #expect(server.openConnections == 0)
        await #expect(throws: (any Error).self) {
            try await RawHTTPConnection.connect(to: server.localAddress)
        }
    }

    @Test func gracefulShutdownLetsInFlightHTTP2StreamFinish() async throws {
        let responder = RecordingResponder()
        let server = try await HTTPServer.bind(configuration: Self.configuration(), responder: responder)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let client = try ExternalTool(
                "curl", ["-sS", "--http2-prior-knowledge", Self.url(server, "/hold/h2drain")])
            var events = responder.events.makeAsyncIterator()
            #expect(await events.next() == .started("/hold/h2drain"))
            server.shutdown()
            responder.openGate()
            let output = await client.output()
            #expect(output.status == 0, "curl: \(output.stderr)")
            #expect(output.stdout == "GET /hold/h2drain 0 HTTP/2")
            try await group.waitForAll()
        }
        #expect(server.openConnections == 0)
    }

    /// Connects and runs `exchange` on a fresh connection; if the server closed the connection before
    /// sending it a single byte (a loaded machine can spend longer than the idle timeout between the
    /// connect and the first write, and that idle close is exactly what the test expects), tries again
    /// on a new connection, a bounded number of times. Any other failure is the test's failure.
    private static func idleSafeExchange(
        with address: SocketAddress,
        attempts: Int = 5,
        _ exchange: (inout RawHTTPConnection) async throws -> Void
    ) async throws -> RawHTTPConnection {
        var attempt = 1
        while true {
            var connection = try await RawHTTPConnection.connect(to: address)
            do {
                try await exchange(&connection)
                return connection
            } catch  where connection.totalBytesReceived == 0 && attempt < attempts {
                try? await connection.close()
                attempt += 1
            }
        }
    }

    @Test func idleConnectionsOfEveryKindAreClosed() async throws {
        var configuration = Self.configuration()
        configuration.idleTimeout = .seconds(1)  // long enough that a loaded machine still sends before it
        try await Self.withServer(configuration) { server, responder in
            // Never says a word.
            var silent = try await RawHTTPConnection.connect(to: server.localAddress)
            // HTTP/1.1 after one answered request.
            var http1 = try await Self.idleSafeExchange(with: server.localAddress) { connection in
                try await connection.send("GET /once HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try await connection.readResponse()
                #expect(response.status == 200)
            }
            // h2c: preface and an empty SETTINGS frame, then nothing.
            var http2 = try await Self.idleSafeExchange(with: server.localAddress) { connection in
                try await connection.send(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0])
                // The server's SETTINGS come first: proof that it read the preface before any idle close.
                let first = try await connection.readHTTP2Frames(until: 0x4)
                #expect(first == [0x4])
            }
            // Each read returns only when the server closes or says goodbye (else the time limit fails).
            let silentTrailing = try await silent.readUntilClosed()
            #expect(silentTrailing.isEmpty)
            let http1Trailing = try await http1.readUntilClosed()
            #expect(http1Trailing.isEmpty)
            // HTTP/2 closes gracefully: GOAWAY, then a PING whose ack lets the connection close.
            let frames = try await http2.readHTTP2Frames(until: 0x7)
            #expect(frames.last == 0x7)
            try await http2.close()
            #expect(responder.callCount == 1)
        }
    }

    @Test func malformedHTTP1Gets400AndClose() async throws {
        try await Self.withServer { server, responder in
            var connection = try await RawHTTPConnection.connect(to: server.localAddress)
            try await connection.send("GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(response.status == 400)
            #expect(try Self.errorCode(response.body) == "malformed_request")
            #expect(response.header("connection") == "close")
            let trailing = try await connection.readUntilClosed()
            #expect(trailing.isEmpty)

            var oversized = try await RawHTTPConnection.connect(to: server.localAddress)
            let big = String(repeating: "a", count: 20 * 1024)
            try await oversized.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(big)\r\n\r\n")
            let tooLarge = try await oversized.readResponse()
            #expect(tooLarge.status == 431)
            #expect(try Self.errorCode(tooLarge.body) == "headers_too_large")
            #expect(responder.callCount == 0)
        }
    }

    @Test func invalidConfigurationIsRefusedAtBind() async throws {
        var configuration = Self.configuration()
        configuration.maxBodyBytes = 0
        await #expect(throws: HTTPServerError.self) {
            _ = try await HTTPServer.bind(configuration: configuration, responder: RecordingResponder())
        }
        let tls = HTTPServer.Configuration.TLS(
            host: "127.0.0.1",
            port: 0,
            certificateChainPath: "/nonexistent/cert.pem",
            privateKeyPath: "/nonexistent/key.pem"
        )
        await #expect(throws: HTTPServerError.self) {
            _ = try await HTTPServer.bind(configuration: Self.configuration(tls: tls), responder: RecordingResponder())
        }
    }
}
