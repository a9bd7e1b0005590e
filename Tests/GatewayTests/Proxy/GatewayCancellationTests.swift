import Testing

@testable import Gateway

/// A client that goes away mid-request cancels the gateway's sub-request. Found with h2load runs
/// timed by `-D` (which drop their in-flight requests when time is up) in the network-namespace
/// tests: every dropped request counted as a failure of the backend serving it, and healthy nodes
/// were ejected by passive outlier detection (two of four at once, the 50 % cap) with no fault.
@Suite(.timeLimit(.minutes(1)))
struct GatewayCancellationTests {
    @Test func aClientThatGoesAwayCostsTheBackendNothingAndIsNotRetried() async throws {
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let backends = [ScriptedBackend(.hangs(release: release)), ScriptedBackend(.draining)]
        try await GatewayForwardingTests.withGateway(backends) { fixture in
            let onA = try GatewayForwardingTests.text(ownedBy: "node-a", in: fixture.directory)
            let index = try #require(fixture.directory.table.index(of: "node-a"))
            let client = Task {
                await GatewayForwardingTests.post(fixture.responder, #"{"model":"synthetic","input":"\#(onA)"}"#)
            }
            try await waitUntil("the request reached its owner") { backends[0].bodies.count == 1 }
            client.cancel()
            let response = await client.value
            #expect(response.status == .serviceUnavailable)
            releaser.finish()
            let backend = try #require(fixture.directory.table[index])
            #expect(backend.consecutiveFailures == 0)
            #expect(!backend.isEjected(at: fixture.directory.now()))
            // Nobody is waiting for an answer: no retry on the other backend.
            #expect(backends[1].bodies.isEmpty)
            #expect(fixture.responder.statistics.retryCount == 0)
        }
    }
}
