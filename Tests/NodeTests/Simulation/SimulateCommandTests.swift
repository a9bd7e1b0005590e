import ArgumentParser
import Cluster
import Testing

@testable import Node

@Suite struct SimulateCommandTests {
    @Test func theDefaultsAndTheArgumentsMakeTheExperiment() throws {
        let defaults = try #require(try Murmur.parseAsRoot(["simulate"]) as? SimulateCommand)
        #expect(defaults.members == 1000)
        #expect(defaults.loss == 0)
        #expect(defaults.json == false)
        let command = try #require(
            try Murmur.parseAsRoot([
                "simulate", "--members", "5000", "--loss", "0.05", "--seconds", "90.5", "--seed", "42", "--json",
            ]) as? SimulateCommand)
        let experiment = command.experiment
        #expect(experiment.members == 5000)
        #expect(experiment.lossRate == 0.05)
        #expect(experiment.steadyDuration == .milliseconds(90_500))
        #expect(experiment.seed == 42)
        #expect(command.json)
    }

    @Test(arguments: [
        ["--members", "1"], ["--members", "0"], ["--members", "10001"], ["--members", "many"],
        ["--loss", "-0.01"], ["--loss", "0.95"], ["--loss", "5%"], ["--loss", "nan"],
        ["--seconds", "0"], ["--seconds", "3601"], ["--seconds", "inf"], ["--seed", "-1"],
    ])
    func badArgumentsAreRefusedBeforeAnythingRuns(arguments: [String]) {
        #expect(throws: (any Error).self) { try Murmur.parseAsRoot(["simulate"] + arguments) }
    }

    @Test func theTextNamesEveryFigureAndTheJSONCarriesThem() throws {
        let report = try GossipExperiment(members: 12, lossRate: 0.01, steadyDuration: .seconds(3), seed: 5).run()
        let output = SimulateCommand.Output(report: report, wallSeconds: 0.25)
        let text = output.text()
        for part in [
            "12 members, 1% packet loss, seed 5", "join spreading from one member: 50% ", "99.99% ",
            "dead everywhere after", "packets", "B gossip (UDP)", "B push-pull (TCP)", "false suspicions: ",
            "false deaths: ",
        ] {
            #expect(text.contains(part), "\(part) missing from:\n\(text)")
        }
        let json = output.json()
        for key in [
            "\"members\":12", "\"loss_rate\":0.01", "\"p9999\":", "\"dead_everywhere_after\":",
            "\"push_pull_bytes\":", "\"false_deaths\":", "\"wall_seconds\":0.25",
        ] {
            #expect(json.contains(key), "\(key) missing from \(json)")
        }
    }
}
