import Testing

@testable import Node

@Suite struct ShutdownPlanTests {
    @Test func nodesStopTogetherFirstAndTheGatewayLast() throws {
        var options = ClusterPlan.Options()
        options.nodes = 4
        let plan = try ClusterPlan(options: options)
        let shutdown = ShutdownPlan(plan: plan, nodeDrainTimeout: .seconds(30), gatewayDrainTimeout: .seconds(10))
        #expect(
            shutdown.stages == [
                ShutdownPlan.Stage(names: ["node-0", "node-1", "node-2", "node-3"], grace: .seconds(35)),
                ShutdownPlan.Stage(names: ["gateway"], grace: .seconds(15)),
            ])
    }

    @Test func theGraceFollowsTheConfiguredDrainTimeout() throws {
        let plan = try ClusterPlan(options: ClusterPlan.Options())
        let shutdown = ShutdownPlan(plan: plan, nodeDrainTimeout: .zero, gatewayDrainTimeout: .seconds(30))
        #expect(shutdown.stages.first?.grace == ShutdownPlan.margin)
        #expect(shutdown.stages.last?.grace == .seconds(30) + ShutdownPlan.margin)
    }
}
