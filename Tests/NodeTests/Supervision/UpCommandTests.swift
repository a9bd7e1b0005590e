import Testing

@testable import Node

@Suite struct UpCommandTests {
    @Test func theDefaultsAreTheDocumentedOnes() throws {
        let command = try #require(try Murmur.parseAsRoot(["up"]) as? UpCommand)
        #expect(command.nodes == 3)
        #expect(command.model == "all-MiniLM-L6-v2")
        #expect(command.gatewayPort == 8080)
        #expect(command.basePort == 9000)
        #expect(command.gossipBasePort == 7946)
        #expect(command.runDir == ".murmur")
        #expect(command.config == nil)
    }

    @Test func everyFlagIsRead() throws {
        let arguments = [
            "up", "--config", "c.conf", "--nodes", "5", "--model", "synthetic", "--gateway-port", "18080",
            "--base-port", "19000", "--gossip-base-port", "17946", "--run-dir", "/tmp/r",
        ]
        let command = try #require(try Murmur.parseAsRoot(arguments) as? UpCommand)
        #expect(command.config == "c.conf")
        #expect(command.nodes == 5)
        #expect(command.model == "synthetic")
        #expect(command.gatewayPort == 18080)
        #expect(command.basePort == 19000)
        #expect(command.gossipBasePort == 17946)
        #expect(command.runDir == "/tmp/r")
    }

    @Test func whatTheSupervisorHandsItsChildrenLoadsAsConfiguration() throws {
        let environment = [ParentDeathSignal.environmentVariable: "4242", "MURMUR_ADMIN_TOKEN": "0123abcd"]
        let configuration = try loadConfiguration(nil, environment: environment)
        #expect(configuration.admin.token == "0123abcd")
    }

    @Test func aNonNumericPortIsAUsageError() {
        #expect(throws: (any Error).self) { try Murmur.parseAsRoot(["up", "--base-port", "high"]) }
    }
}
