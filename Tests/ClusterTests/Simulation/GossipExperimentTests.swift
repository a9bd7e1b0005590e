import Testing

@testable import Cluster

/// The scripted scale experiment behind `murmur simulate`, at N = 1000 with 5 % loss (debug build,
/// so the steady window is short), and its limits and input checks.
@Suite struct GossipExperimentTests {
    @Test func aThousandMembersAtFivePercentLossSpreadDetectAndNeverFalselyDeclareDeath() async throws {
        let experiment = GossipExperiment(members: 1000, lossRate: 0.05, steadyDuration: .seconds(5), seed: 1000)
        // Seconds of CPU on a thread of its own: on the test runner's cooperative pool (one thread per
        // core) it would stall every other suite's tasks, and their socket tests would time out.
        let report = try await OwnThread.run { try experiment.run() }
        let join = report.join
        print(
            "experiment N=1000, 5% loss: join 50% \(join.p50 ?? -1) s, 99% \(join.p99 ?? -1) s, 99.99% \(join.p9999 ?? -1) s; "
                + "crash dead everywhere after \(report.crash.deadEverywhereAfter ?? -1) s; per member per second "
                + "\(report.traffic.packets) packets, \(Int(report.traffic.bytes)) B UDP, \(Int(report.traffic.pushPullBytes)) B TCP; "
                + "false suspicions \(report.falseSuspicions), false deaths \(report.falseDeaths)"
        )
        #expect(join.reached == 1000)
        let everyone = try #require(join.p9999, "the join never reached 99.99% of members")
        #expect(everyone <= 3, "99.99% took \(everyone) s; Serf's model gives ~2.3 s at N = 1000")
        #expect(try #require(join.p50) < everyone)
        let dead = try #require(report.crash.deadEverywhereAfter, "the crash was not detected everywhere")
        // Lifeguard stretches suspicion timeouts on members that miss acks at 5 % loss (measured
        // 4.7-8.1 s); the run differs between processes (see `GossipExperiment`), hence the margin.
        #expect(dead <= 15)
        #expect(report.crash.deadAt == 1000)
        #expect(report.falseDeaths == 0)
        #expect(report.falseDeadEvents == 0)
        #expect(report.traffic.oversizedPackets == 0)
        // A probe (ping + ack) per member per second, plus gossip rounds (3 packets every 200 ms)
        // while refutations of false suspicions spread: measured 14-18 packets per member per second.
        #expect(report.traffic.packets > 1.5 && report.traffic.packets < 40)
    }

    @Test func aPhaseCutShortByItsLimitIsReportedAsUnfinished() throws {
        var experiment = GossipExperiment(members: 200, steadyDuration: .seconds(1), seed: 3)
        // Shorter than one gossip interval and far shorter than the 3 s minimum suspicion timeout.
        experiment.phaseLimit = .milliseconds(100)
        let report = try experiment.run()
        #expect(report.join.of == 200)
        #expect(report.join.reached < 200)
        #expect(report.join.p100 == nil)
        #expect(report.crash.deadEverywhereAfter == nil)
        #expect(report.crash.deadAt == 0)
    }

    @Test func impossibleExperimentsAreRefused() {
        #expect(throws: SWIMError.self) { try GossipExperiment(members: 1).run() }
        #expect(throws: SWIMError.self) { try GossipExperiment(members: 10, lossRate: 1).run() }
        #expect(throws: SWIMError.self) { try GossipExperiment(members: 10, lossRate: -0.1).run() }
    }

    @Test func quantilesCountEveryMemberEvenThoseNeverReached() {
        let delays = (1...90).map { Duration.milliseconds($0 * 10) }
        let spread = GossipExperimentReport.Spread(delays: delays, of: 100)
        #expect(spread.reached == 90)
        #expect(spread.p50 == 0.5)
        #expect(spread.p99 == nil)
        #expect(spread.p100 == nil)
        let all = GossipExperimentReport.Spread(delays: delays.reversed(), of: 90)
        #expect(all.p100 == 0.9)
        #expect(all.p9999 == 0.9)
    }
}
