import Testing

@testable import Node

@Suite struct StartupProgressTests {
    private func plan(nodes: Int = 2) throws -> ClusterPlan {
        var options = ClusterPlan.Options()
        options.nodes = nodes
        return try ClusterPlan(options: options)
    }

    @Test func theLineNamesEachChildsPhase() throws {
        var progress = StartupProgress(plan: try plan())
        #expect(progress.line == "starting: node-0 loading, node-1 loading, gateway starting")
        let changes = [
            progress.set("node-1", .ready), progress.set("gateway", .waiting), progress.set("node-1", .ready),
            progress.set("node-9", .ready),
        ]
        #expect(changes == [true, true, false, false])
        #expect(progress.line == "starting: node-0 loading, node-1 ready, gateway waiting for nodes")
    }

    @Test func settlesWhenEveryChildIsReadyOrGivenUpOn() throws {
        var progress = StartupProgress(plan: try plan())
        progress.set("node-0", .ready)
        progress.set("gateway", .ready)
        #expect(!progress.isSettled)
        progress.set("node-1", .restarting)
        #expect(!progress.isSettled)
        progress.set("node-1", .crashLooping)
        #expect(progress.isSettled)
        progress.set("gateway", .waiting)
        #expect(!progress.isSettled)
    }

    @Test func theSummaryAlignsOneLinePerMember() throws {
        var progress = StartupProgress(plan: try plan())
        progress.set("node-0", .ready)
        progress.set("node-1", .crashLooping)
        progress.set("gateway", .ready)
        let lines = progress.summary(pids: ["node-0": 1234, "gateway": 77])
        #expect(
            lines == [
                "gateway  http://127.0.0.1:8080",
                "node-0   ready          http 127.0.0.1:9000  gossip 127.0.0.1:7946  pid 1234  log .murmur/logs/node-0.log",
                "node-1   crash-looping  http 127.0.0.1:9001  gossip 127.0.0.1:7947  pid -  log .murmur/logs/node-1.log",
                "gateway  ready          http 127.0.0.1:8080  gossip 127.0.0.1:7948  pid 77  log .murmur/logs/gateway.log",
            ])
    }

    @Test func phasesReadDifferentlyForNodesAndTheGateway() {
        #expect(ChildPhase.starting.label(for: .node) == "loading")
        #expect(ChildPhase.starting.label(for: .gateway) == "starting")
        #expect(ChildPhase.waiting.label(for: .node) == "starting")
        #expect(ChildPhase.waiting.label(for: .gateway) == "waiting for nodes")
        #expect(ChildPhase.restarting.label(for: .node) == "restarting")
    }
}
