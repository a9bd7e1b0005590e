import ArgumentParser
import Cluster
import Foundation

/// `murmur simulate`: the gossip layer at a given cluster size and loss rate, on the deterministic
/// simulator (no sockets; virtual time, so minutes of a 5000-member cluster take seconds).
///
/// It runs one `GossipExperiment` and prints how fast a join spreads, how fast a crash is detected
/// everywhere, steady-state traffic per member, and false suspicions and deaths.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract:
            "Simulate gossip in a cluster of N members: dissemination, crash detection, traffic, false positives.",
        discussion: """
            Runs on virtual time: a converged cluster in steady state for --seconds, then a join through one \
            member, then a crash. With SWIFT_DETERMINISTIC_HASHING=1 in the environment the same seed gives \
            the same run.
            """
    )

    /// The largest cluster accepted: every member holds every other, so memory grows with N².
    static let maxMembers = 10_000

    @Option(help: "Members in the simulated cluster (2…\(maxMembers)).")
    var members = 1000

    @Option(help: "Share of UDP packets lost, from 0 to 0.9 (0.05 = 5%).")
    var loss = 0.0

    @Option(help: "Simulated seconds of steady state before the join and the crash (1…3600).")
    var seconds = 60.0

    @Option(help: "Seed of every random choice: the same seed gives the same run.")
    var seed: UInt64 = 1

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard (2...Self.maxMembers).contains(members) else {
            throw ValidationError("--members must be from 2 to \(Self.maxMembers), got \(members)")
        }
        guard loss.isFinite, (0...0.9).contains(loss) else {
            throw ValidationError("--loss must be from 0 to 0.9 (a share, 0.05 = 5%), got \(loss)")
        }
        guard seconds.isFinite, (1...3600).contains(seconds) else {
            throw ValidationError("--seconds must be from 1 to 3600, got \(seconds)")
        }
    }

    /// The experiment these arguments describe.
    var experiment: GossipExperiment {
        GossipExperiment(
            members: members,
            lossRate: loss,
            steadyDuration: .milliseconds(Int64((seconds * 1000).rounded())),
            seed: seed
        )
    }

    func run() throws {
        let clock = ContinuousClock()
        let started = clock.now
        let report: GossipExperimentReport
        do {
            report = try experiment.run()
        } catch {
            throw CLIError(error.message)
        }
        let elapsed = clock.now - started
        let wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let output = Output(report: report, wallSeconds: wallSeconds)
        print(json ? output.json() : output.text(), terminator: json ? "\n" : "")
    }
}
