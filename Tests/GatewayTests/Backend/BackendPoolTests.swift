import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import Testing

@testable import Gateway

/// The pool against a real NIOHTTP2 h2c server on loopback, port 0.
@Suite struct BackendPoolTests {
    private static func pool(
        for server: H2TestServer,
        _ configure: (inout BackendPool.Configuration) -> Void = { _ in }
    ) throws -> BackendPool {
        var configuration = BackendPool.Configuration()
        configuration.backoff = ReconnectBackoff(initial: .milliseconds(20), maximum: .milliseconds(200), jitter: 0.2)
        // A loaded machine can take longer than the default second to exchange SETTINGS on loopback;
        // no test here is about that timeout (the silent-server test sets its own).
        configuration.connectTimeout = .seconds(10)
        configure(&configuration)
        return BackendPool(
            address: try server.address,
            configuration: configuration,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            random: SeededRandom(seed: 42)
        )
    }

    private static func request(
        _ body: String = "",
        test: String? = nil,
        timeout: TimeAmount = .seconds(10)
    ) -> BackendRequest {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Connection": "keep-alive"]
        if let test { headers.add(name: "x-test", value: test) }
        return BackendRequest(
            method: .POST,
            path: "/v1/embeddings",
            headers: headers,
            body: ByteBuffer(string: body),
            deadline: .now() + timeout
        )
    }

    private static func outcome(of request: BackendRequest, on pool: BackendPool) async -> Result<
        BackendResponse, BackendError
    > {
        do {
            return .success(try await pool.send(request))
        } catch {
            return .failure(error)
        }
    }

    /// Sends and returns the error, failing the test if the request succeeds.
    private static func failure(of request: BackendRequest, on pool: BackendPool) async -> BackendError? {
        do {
            let response = try await pool.send(request)
            Issue.record("expected a failure, got status \(response.status)")
            return nil
        } catch {
            return error
        }
    }

    @Test func echoesOneRequest() async throws {
        let server = H2TestServer()
        try await server.start()
        let pool = try Self.pool(for: server)
        let response = try await pool.send(Self.request("hello"))
        #expect(response.status == .ok)
        #expect(String(buffer: response.body) == "hello")
        #expect(response.headers["content-type"] == ["application/octet-stream"])
        await pool.shutdown()
        try await server.stop()
    }

    @Test func manyConcurrentRequestsMultiplexOverAtMostPoolSizeConnections() async throws {
        let server = H2TestServer()
        try await server.start()
        let pool = try Self.pool(for: server) {
            $0.maximumConnections = 2
            $0.maximumQueuedRequests = 1024
        }
        let mismatches = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<300 {
                group.addTask {
                    let body = "request \(index) " + String(repeating: "x", count: index * 13)
                    let response = try await pool.send(Self.request(body))
                    return response.status == .ok && String(buffer: response.body) == body
                }
            }
            var mismatches = 0
            for try await matched in group where !matched { mismatches += 1 }
            return mismatches
        }
        #expect(mismatches == 0)
        #expect(server.observed.acceptedConnections <= 2)
        #expect(server.observed.streamsCompleted == 300)
        #expect(pool.counters.openConnections <= 2)
        #expect(pool.counters.connectFailures == 0)
        await pool.shutdown()
        try await server.stop()
    }

    @Test func peerStreamLimitIsHonouredByQueueing() async throws {
        let server = H2TestServer(maxConcurrentStreams: 2)
        try await server.start()
        let pool = try Self.pool(for: server) { $0.maximumConnections = 1 }
        try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
            for index in 0..<5 {
                group.addTask { try await pool.send(Self.request("held \(index)", test: "hold")).status }
            }
            try await waitUntil("two streams are held and three wait in the pool") {
                server.observed.heldStreamIDs.count == 2 && pool.counters.queuedRequests == 3
            }
            #expect(pool.counters.activeStreams == 2)
            server.releaseHeld()
            for try await status in group { #expect(status == .ok) }
        }
        #expect(server.observed.maxStreamsInFlight == 2)
        #expect(server.observed.acceptedConnections == 1)
        await pool.shutdown()
        try await server.stop()
    }

    @Test func fullWaitQueueFailsAsPoolExhausted() async throws {
        let server = H2TestServer(maxConcurrentStreams: 1)
        try await server.start()
        let pool = try Self.pool(for: server) {
            $0.maximumConnections = 1
            $0.maximumQueuedRequests = 2
        }
        try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
            group.addTask { try await pool.send(Self.request("held", test: "hold")).status }
            try await waitUntil("the first request holds the only stream") {
                server.observed.heldStreamIDs.count == 1
            }
            for _ in 0..<2 {
                group.addTask { try await pool.send(Self.request("queued", test: "hold")).status }
            }
            try await waitUntil("two requests wait for the stream") { pool.counters.queuedRequests == 2 }
            let error = await Self.failure(of: Self.request("one too many"), on: pool)
            #expect(error?.code == .poolExhausted)
            #expect(error?.classification == .notProcessed)
            server.releaseHeld()
            for try await status in group { #expect(status == .ok) }
        }
        await pool.shutdown()
        try await server.stop()
    }

    @Test func goAwayMidFlightCompletesStreamsBelowLastStreamIDAndMovesOn() async throws {
        let server = H2TestServer()
        try await server.start()
        let pool = try Self.pool(for: server) { $0.maximumConnections = 1 }
        async let first = Self.outcome(of: Self.request("a", test: "hold"), on: pool)
        async let second = Self.outcome(of: Self.request("b", test: "hold"), on: pool)
        try await waitUntil("both requests are held") { server.observed.heldStreamIDs.count == 2 }
        let held = server.observed.heldStreamIDs
        let lastProcessed = try #require(held.min())
        server.sendGoAway(lastStreamID: lastProcessed)
        try await waitUntil("the stream above the last-stream-id has failed") { pool.counters.activeStreams == 1 }
        server.releaseHeld()

        let results = await [first, second]
        let succeeded = results.compactMap { try? $0.get() }
        let failed = results.compactMap { result -> BackendError? in
            if case .failure(let error) = result { return error }
            return nil
        }
        #expect(succeeded.count == 1)
        #expect(succeeded.allSatisfy { ["a", "b"].contains(String(buffer: $0.body)) })
        #expect(failed.map(\.code) == [.goAway])
        #expect(failed.first?.classification == .notProcessed)

        let after = try await pool.send(Self.request("after"))
        #expect(String(buffer: after.body) == "after")
        #expect(server.observed.acceptedConnections == 2)
        await pool.shutdown()
        try await server.stop()
    }

    @Test func refusedStreamIsNotProcessed() async throws {
        let server = H2TestServer()
        try await server.start()
        let pool = try Self.pool(for: server)
        let error = await Self.failure(of: Self.request("x", test: "refuse"), on: pool)
        #expect(error?.code == .refusedStream)
        #expect(error?.classification == .notProcessed)
        // The connection stays usable.
        let response = try await pool.send(Self.request("ok"))
        #expect(String(buffer: response.body) == "ok")
        await pool.shutdown()
        try await server.stop()
    }

    @Test func refusedStreamWhileTheBodyIsStillBeingSentIsNotProcessed() async throws {
        let server = H2TestServer()
        try await server.start()
        let pool = try Self.pool(for: server)
        // Three times the peer's initial stream window (65,535 bytes): the rest of the body waits for
        // a WINDOW_UPDATE that a refused stream never gets, so the reset always arrives mid-body.
        let body = String(repeating: "x", count: 3 * 65_535)
        let error = await Self.failure(of: Self.request(body, test: "refuse"), on: pool)
        #expect(error?.code == .refusedStream)
        #expect(error?.classification == .notProcessed)
        let response = try await pool.send(Self.request("ok"))
        #expect(String(buffer: response.body) == "ok")
        await pool.shutdown()
        try await server.stop()
    }

    @Test func resetAfterTheRequestWasReadIsMaybeProcessed() async throws {
        let server = H2TestServer()
        try await server.start()
        let pool = try Self.pool(for: server)
        let error = await Self.failure(of: Self.request("x", test: "reset"), on: pool)
        #expect(error?.code == .streamReset)
        #expect(error?.classification == .maybeProcessed)
        await pool.shutdown()
        try await server.stop()
    }

    @Test func killedServerFailsAsNotProcessedAndThePoolReconnectsWhenItReturns() async throws {
        let server = H2TestServer()
        try await server.start()
        let port = try #require(server.port)
        let pool = try Self.pool(for: server)

        async let inFlight = Self.outcome(of: Self.request("held", test: "hold"), on: pool)
        try await waitUntil("the request is held") { server.observed.heldStreamIDs.count == 1 }
        try await server.stop()

        let lost = await inFlight
        guard case .failure(let lostError) = lost else {
            Issue.record("the held request cannot succeed on a killed server")
            return
        }
        #expect(lostError.code == .connectionClosed)
        #expect(lostError.classification == .notProcessed)

        try await waitUntil("the pool notices the closed connection") { pool.counters.openConnections == 0 }
        let refused = await Self.failure(of: Self.request("nobody home"), on: pool)
        #expect(refused?.code == .connectFailed)
        #expect(refused?.classification == .notProcessed)
        #expect(pool.counters.connectFailures >= 1)

        try await server.start(port: port)
        var response: BackendResponse?
        try await waitUntil("a request succeeds after the server is back") {
            response = try? await pool.send(Self.request("back"))
            return response != nil
        }
        #expect(response.map { String(buffer: $0.body) } == "back")
        await pool.shutdown()
        try await server.stop()
    }

    @Test func deadlineFailsAsMaybeProcessedAndResetsTheStream() async throws {
        let server = H2TestServer()
        try await server.start()
        let pool = try Self.pool(for: server)
        // Connect first, so that the short deadline is spent waiting for the response.
        _ = try await pool.send(Self.request("warm-up"))
        let error = await Self.failure(of: Self.request("slow", test: "hold", timeout: .seconds(3)), on: pool)
        #expect(error?.code == .timedOut)
        // The classification follows what the pool did, not what the server has seen yet (on a loaded
        // machine the server may read the stream after the client's deadline has already passed).
        if error?.classification == .maybeProcessed {
            try await waitUntil("the server sees the stream and its RST_STREAM CANCEL") {
                server.observed.heldStreamIDs.count == 1 && server.observed.resetsReceived == [.cancel]
            }
        } else {
            // A machine too loaded to send within the deadline: the request never left, so it is safe to retry.
            #expect(error?.classification == .notProcessed)
            #expect(server.observed.heldStreamIDs.isEmpty)
        }
        await pool.shutdown()
        try await server.stop()
    }

    @Test func cancellingTheCallerResetsTheStream() async throws {
        let server = H2TestServer()
        try await server.start()
        let pool = try Self.pool(for: server)
        let task = Task { try await pool.send(Self.request("abandoned", test: "hold")) }
        try await waitUntil("the request is held") { server.observed.heldStreamIDs.count == 1 }
        task.cancel()
        let result = await task.result
        guard case .failure(let error) = result else {
            Issue.record("a cancelled request cannot succeed")
            return
        }
        #expect((error as? BackendError)?.code == .cancelled)
        try await waitUntil("the server sees RST_STREAM CANCEL") { server.observed.resetsReceived == [.cancel] }
        try await waitUntil("the pool frees the stream") { pool.counters.activeStreams == 0 }
        await pool.shutdown()
        try await server.stop()
    }

    @Test func shutdownLetsInFlightRequestsFinishAndRefusesNewOnes() async throws {
        let server = H2TestServer()
        try await server.start()
        let pool = try Self.pool(for: server)
        async let inFlight = pool.send(Self.request("finishing", test: "hold"))
        try await waitUntil("the request is held") { server.observed.heldStreamIDs.count == 1 }
        async let shutdown: Void = pool.shutdown()
        try await waitUntil("new requests are refused") {
            // A late request that still succeeds only means the shutdown has not begun yet.
            if case .failure(let error) = await Self.outcome(of: Self.request("late"), on: pool) {
                return error.code == .shutdown
            }
            return false
        }
        server.releaseHeld()
        let response = try await inFlight
        #expect(String(buffer: response.body) == "finishing")
        await shutdown
        #expect(pool.counters.openConnections == 0)
        try await server.stop()
    }

    @Test func serverThatNeverSendsSettingsFailsTheConnect() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: try #require(silent.localAddress?.port))
        var configuration = BackendPool.Configuration()
        configuration.connectTimeout = .milliseconds(200)
        let pool = BackendPool(
            address: address, configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let error = await Self.failure(of: Self.request("x"), on: pool)
        #expect(error?.code == .connectFailed)
        #expect(error?.classification == .notProcessed)
        #expect(error?.message.contains("SETTINGS") == true)
        await pool.shutdown()
        try await silent.close()
    }
}
