import Cluster
import Testing

@testable import Node

@Suite struct ClusterPlanTests {
    @Test func theDefaultsGiveThreeNodesAndAGatewayOnTheDocumentedPorts() throws {
        let plan = try ClusterPlan(options: ClusterPlan.Options())
        #expect(plan.children.map(\.name) == ["node-0", "node-1", "node-2", "gateway"])
        #expect(plan.nodes.map(\.http.port) == [9000, 9001, 9002])
        #expect(plan.nodes.map(\.gossip.port) == [7946, 7947, 7948])
        #expect(plan.gateway?.http == Endpoint(host: "127.0.0.1", port: 8080))
        #expect(plan.gateway?.gossip == Endpoint(host: "127.0.0.1", port: 7949))
        #expect(plan.gatewayURL == "http://127.0.0.1:8080")
        #expect(plan.logDirectory == ".murmur/logs")
        #expect(plan.adminTokenPath == ".murmur/admin-token")
        #expect(
            plan.children.map(\.logPath) == ["node-0", "node-1", "node-2", "gateway"].map { ".murmur/logs/\($0).log" })
    }

    @Test func nodesAndTheGatewayGetTheirCommandLines() throws {
        var options = ClusterPlan.Options()
        options.nodes = 2
        options.model = "synthetic"
        options.basePort = 20000
        options.gossipBasePort = 21000
        options.gatewayPort = 22000
        options.runDirectory = "/tmp/run/"
        let plan = try ClusterPlan(options: options)
        let seeds = "127.0.0.1:21000,127.0.0.1:21001"
        #expect(
            plan.children[1].arguments == [
                "node", "--name", "node-1", "--http", "127.0.0.1:20001", "--gossip", "127.0.0.1:21001",
                "--seeds", seeds, "--model", "synthetic",
            ])
        #expect(
            plan.children[2].arguments == [
                "gateway", "--name", "gateway", "--listen", "127.0.0.1:22000", "--gossip", "127.0.0.1:21002",
                "--seeds", seeds,
            ])
        #expect(plan.children[2].role == .gateway)
        #expect(plan.children[0].logPath == "/tmp/run/logs/node-0.log")
    }

    @Test func theConfigFileIsPassedToEveryChild() throws {
        var options = ClusterPlan.Options()
        options.configPath = "cluster.conf"
        let plan = try ClusterPlan(options: options)
        for child in plan.children {
            #expect(Array(child.arguments.suffix(2)) == ["--config", "cluster.conf"])
        }
    }

    @Test func oneNodeIsEnoughAndSixtyFourTheMost() throws {
        var options = ClusterPlan.Options()
        options.nodes = 1
        #expect(try ClusterPlan(options: options).children.map(\.name) == ["node-0", "gateway"])
        options.nodes = 64
        options.basePort = 10000
        options.gossipBasePort = 11000
        #expect(try ClusterPlan(options: options).nodes.count == 64)
    }

    @Test(arguments: [
        (0, "--nodes 0: expected 1 to 64"),
        (-2, "--nodes -2: expected 1 to 64"),
        (65, "--nodes 65: expected 1 to 64"),
    ])
    func aNodeCountOutOfRangeIsRejected(nodes: Int, message: String) {
        var options = ClusterPlan.Options()
        options.nodes = nodes
        #expect(planError(options) == message)
    }

    @Test func anUnknownModelIsRejected() {
        var options = ClusterPlan.Options()
        options.model = "bert-large"
        #expect(planError(options) == "--model bert-large: unknown model (expected all-MiniLM-L6-v2 or synthetic)")
    }

    @Test func portsMustStayWithinRange() {
        var options = ClusterPlan.Options()
        options.basePort = 65534
        #expect(planError(options) == "--base-port 65534: ports 65534-65536 must lie within 1-65535 (--nodes 3)")
        options = ClusterPlan.Options()
        options.gatewayPort = 0
        #expect(planError(options) == "--gateway-port 0: ports 0 must lie within 1-65535 (--nodes 3)")
        options = ClusterPlan.Options()
        options.gossipBasePort = 65533
        #expect(planError(options)?.hasPrefix("--gossip-base-port 65533: ports 65533-65536") == true)
    }

    @Test func theGatewayPortMayNotFallAmongTheNodePorts() {
        var options = ClusterPlan.Options()
        options.gatewayPort = 9002
        #expect(
            planError(options)
                == "--gateway-port 9002 (ports 9002) overlaps --base-port 9000 (ports 9000-9002) with --nodes 3")
    }

    @Test func gossipPortsMayNotOverlapHTTPPorts() {
        var options = ClusterPlan.Options()
        options.gossipBasePort = 8997
        #expect(
            planError(options)
                == "--base-port 9000 (ports 9000-9002) overlaps --gossip-base-port 8997 (ports 8997-9000) with --nodes 3"
        )
        options = ClusterPlan.Options()
        options.gossipBasePort = 8077  // the gateway's gossip port would be 8080
        #expect(planError(options)?.hasPrefix("--gateway-port 8080 (ports 8080) overlaps --gossip-base-port") == true)
    }

    @Test func adjacentRangesAreFine() throws {
        var options = ClusterPlan.Options()
        options.basePort = 9000
        options.gossipBasePort = 9003
        options.gatewayPort = 9007
        let plan = try ClusterPlan(options: options)
        #expect(plan.gateway?.gossip.port == 9006)
    }

    @Test func anEmptyRunDirectoryIsRejected() {
        var options = ClusterPlan.Options()
        options.runDirectory = ""
        #expect(planError(options) == "--run-dir: expected a directory path")
    }

    private func planError(_ options: ClusterPlan.Options) -> String? {
        do {
            _ = try ClusterPlan(options: options)
            return nil
        } catch {
            return error.message
        }
    }
}
