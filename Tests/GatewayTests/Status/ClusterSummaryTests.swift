import Testing

@testable import Gateway

@Suite struct ClusterSummaryTests {
    @Test func departedNodesAreCountedApartFromMissingOnes() {
        let summary = ClusterSummary(members: [
            StatusHintTests.gatewayMember,
            StatusHintTests.node("n1"),
            StatusHintTests.node("n2", "left", "down"),
            StatusHintTests.node("n3", "dead", "down"),
            StatusHintTests.node("n4", "alive", "draining"),
        ])
        #expect(summary.nodes == 3)
        #expect(summary.left == 1)
        #expect(summary.down == 1)
        #expect(summary.draining == 1)
        #expect(summary.verdict == "1/3 nodes ready, 0 suspect, 1 down, 1 draining, 1 left")
    }

    @Test func aHealthyClusterSaysOnlyReadyAndSuspect() {
        let summary = ClusterSummary(members: [StatusHintTests.node("n1"), StatusHintTests.node("n2", "suspect")])
        #expect(summary.verdict == "1/2 nodes ready, 1 suspect")
    }
}
