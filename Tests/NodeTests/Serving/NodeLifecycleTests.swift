import Cluster
import Gateway
import Logging
import Model
import Testing

@testable import Node

/// The node's control plane on real loopback sockets (port 0): drain and resume flip readiness and
/// the gossiped serving state, a restart conflicts with resume and asks the service to stop, and
/// stopping closes the HTTP server, leaves gossip and hands back the live peers to rejoin through.
@Suite(.serialized, .timeLimit(.minutes(1))) struct NodeLifecycleTests {
    static func fastSettings() -> SWIMSettings {
        var settings = SWIMSettings()
        settings.probeInterval = .milliseconds(100)
        settings.probeTimeout = .milliseconds(50)
        settings.gossipInterval = .milliseconds(30)
        settings.joinRetryInitial = .milliseconds(100)
        settings.joinRetryMax = .milliseconds(500)
        settings.leavePropagationTime = .milliseconds(200)
        return settings
    }

    /// A node's pieces: membership, readiness, a lifecycle, and an HTTP server whose responder calls it.
    struct Node {
        let membership: Membership
        let readiness: NodeReadiness
        let lifecycle: NodeLifecycle
        let server: HTTPServer
        let batcher: DynamicBatcher

        static func start(name: String, seeds: [Endpoint] = [], cache: EmbeddingCache? = nil) async throws -> Node {
            let metadata = MemberMetadata(
                role: .node, httpAddress: "127.0.0.1:1", models: ["synthetic"], servingState: .starting)
            let membership = try await Membership.bind(
                configuration: .init(
                    name: name, bindAddress: Endpoint(host: "127.0.0.1", port: 0), seeds: seeds,
                    settings: fastSettings(), metadata: try metadata.encoded()))
            let model = SyntheticModel()
            let batcher = DynamicBatcher(model: model)
            let readiness = NodeReadiness(.starting)
            let lifecycle = NodeLifecycle(
                membership: membership, readiness: readiness, metadata: metadata, batchers: [batcher],
                cache: cache, drainTimeout: .seconds(5), logger: Logger(label: "test"))
            let responder = NodeResponder(
                embedders: ["synthetic": Embedder(model: model, batcher: batcher, cache: cache)],
                readiness: readiness, clusterStatus: { [] },
                adminAuthorization: AdminAuthorization(token: "t"), adminControl: lifecycle)
            let server = try await HTTPServer.bind(
                configuration: .init(host: "127.0.0.1", port: 0, shutdownGracePeriod: .seconds(5)),
                responder: responder)
            return Node(
                membership: membership, readiness: readiness, lifecycle: lifecycle, server: server, batcher: batcher)
        }

        /// The serving state this member gossips about itself.
        var gossipedState: MemberMetadata.ServingState? { gossipedMetadata?.servingState }

        /// The metadata this member gossips about itself.
        var gossipedMetadata: MemberMetadata? {
            let member = membership.snapshot.member(named: membership.name)
            return member.flatMap { try? MemberMetadata(decoding: $0.metadata) }
        }
    }

    @Test func drainAndResumeFlipReadinessAndGossip() async throws {
        let node = try await Node.start(name: "a")
        defer { node.batcher.shutdown() }
        await node.lifecycle.start()
        #expect(node.readiness.state == .ready)
        #expect(node.gossipedState == .ready)
        let before = node.membership.incarnation

        #expect(try await node.lifecycle.perform(.drain) == .draining)
        #expect(node.readiness.state == .draining)
        #expect(node.gossipedState == .draining)
        #expect(node.membership.incarnation > before)
        // Draining again is a poll: nothing changes.
        #expect(try await node.lifecycle.perform(.drain) == .draining)

        #expect(try await node.lifecycle.perform(.resume) == .ready)
        #expect(node.readiness.state == .ready)
        #expect(node.gossipedState == .ready)
        #expect(try await node.lifecycle.perform(.resume) == .ready)
        await node.membership.shutdown()
        node.server.shutdown()
    }

    /// Each publication carries the cache's lookups and hits since the previous one.
    @Test func publishedLoadCarriesTheCacheCountersSinceThePreviousPublication() async throws {
        let cache = EmbeddingCache(maxEntries: 100, maxBytes: 1 << 20)
        let node = try await Node.start(name: "caching", cache: cache)
        defer { node.batcher.shutdown() }
        let embedder = Embedder(model: SyntheticModel(), batcher: node.batcher, cache: cache)
        _ = try await embedder.embed(["before start"])
        await node.lifecycle.start()
        // Lookups before the first publication count towards it.
        #expect(node.gossipedMetadata?.load.cacheLookups == 1)
        #expect(node.gossipedMetadata?.load.cacheHits == 0)

        for _ in 0..<4 { _ = try await embedder.embed(["same text"]) }
        _ = try await embedder.embed(["same text", "other text"])
        // A resume while ready republishes at once.
        #expect(try await node.lifecycle.perform(.resume) == .ready)
        #expect(node.gossipedMetadata?.load.cacheLookups == 6)
        #expect(node.gossipedMetadata?.load.cacheHits == 4)

        #expect(try await node.lifecycle.perform(.resume) == .ready)
        #expect(node.gossipedMetadata?.load.cacheLookups == 0)
        #expect(node.gossipedMetadata?.load.cacheHits == 0)
        await node.membership.shutdown()
        node.server.shutdown()
    }

    @Test func aDrainBeforeStartIsKept() async throws {
        let node = try await Node.start(name: "early")
        defer { node.batcher.shutdown() }
        #expect(try await node.lifecycle.perform(.drain) == .draining)
        await node.lifecycle.start()
        #expect(node.readiness.state == .draining)
        #expect(node.gossipedState == .draining)
        await node.membership.shutdown()
        node.server.shutdown()
    }

    @Test func restartStopsServingLeavesAndHandsBackLivePeers() async throws {
        let seed = try await Node.start(name: "seed")
        defer { seed.batcher.shutdown() }
        let seedGossip = Task { try await seed.membership.run() }
        let node = try await Node.start(name: "restarting", seeds: [seed.membership.advertisedEndpoint])
        let gossip = Task { try await node.membership.run() }
        let serving = Task { try await node.server.run() }
        await node.lifecycle.start()
        #expect(await waitUntil { seed.membership.snapshot.member(named: "restarting")?.state == .alive })
        #expect(await waitUntil { node.membership.snapshot.member(named: "seed")?.state == .alive })

        #expect(try await node.lifecycle.perform(.restart) == .restarting)
        #expect(await node.lifecycle.nextStopRequest() == .restart)
        #expect(node.readiness.state == .draining)
        // While restarting, a drain reports the restart and a resume is refused.
        #expect(try await node.lifecycle.perform(.drain) == .restarting)
        await #expect(throws: APIError.self) { try await node.lifecycle.perform(.resume) }
        #expect(try await node.lifecycle.perform(.restart) == .restarting)
        #expect(!node.lifecycle.isShutdownRequested)

        let peers = await node.lifecycle.stop(for: .restart, server: node.server) { _ = await serving.result }
        #expect(peers == [seed.membership.advertisedEndpoint])
        // The server's run() has returned (stop waited for it), gossip's run() returns, the peer
        // saw a graceful leave, and the model threads no longer take work.
        _ = await gossip.result
        #expect(await waitUntil { seed.membership.snapshot.member(named: "restarting")?.state == .left })
        await #expect(throws: ModelError.self) { try await node.batcher.embed([[1, 2, 3]]) }

        await seed.membership.shutdown()
        _ = await seedGossip.result
        seed.server.shutdown()
    }

    @Test func aShutdownSignalWinsAndStopsOnce() async throws {
        let node = try await Node.start(name: "stopping")
        let gossip = Task { try await node.membership.run() }
        let serving = Task { try await node.server.run() }
        await node.lifecycle.start()
        node.lifecycle.requestShutdown()
        node.lifecycle.requestShutdown()
        #expect(node.lifecycle.isShutdownRequested)
        #expect(await node.lifecycle.nextStopRequest() == .shutdown)
        let peers = await node.lifecycle.stop(for: .shutdown, server: node.server) { _ = await serving.result }
        #expect(peers.isEmpty)
        #expect(await node.lifecycle.currentState == .stopping)
        await #expect(throws: APIError.self) { try await node.lifecycle.perform(.restart) }
        _ = await gossip.result
    }
}

/// Polls `condition` every 10 ms for up to 10 s (a deadline for a condition, not a timed sleep).
private func waitUntil(_ condition: @Sendable () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(10)
    while clock.now < deadline {
        if condition() { return true }
        try? await clock.sleep(for: .milliseconds(10))
    }
    return condition()
}
