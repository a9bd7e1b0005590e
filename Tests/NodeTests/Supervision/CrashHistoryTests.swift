import Cluster
import Testing

@testable import Node

@Suite struct CrashHistoryTests {
    private static var exactPolicy: RestartPolicy {
        var policy = RestartPolicy()
        policy.jitter = 0
        return policy
    }

    @Test func fiveQuickCrashesMakeAChildCrashLooping() {
        var history = CrashHistory(policy: Self.exactPolicy)
        var random = SplitMix64(seed: 1)
        var decisions: [RestartDecision] = []
        var time = Duration.zero
        for _ in 0..<5 {
            time += .seconds(1)
            decisions.append(history.recordExit(at: time, uptime: .milliseconds(200), using: &random))
        }
        #expect(
            decisions == [
                .restart(after: .milliseconds(500), crashes: 1),
                .restart(after: .seconds(1), crashes: 2),
                .restart(after: .seconds(2), crashes: 3),
                .restart(after: .seconds(4), crashes: 4),
                .crashLooping(crashes: 5, window: .seconds(60)),
            ])
        #expect(history.isCrashLooping)
    }

    @Test func aCrashLoopingChildStaysDownEvenAfterALongRun() {
        var history = CrashHistory(policy: Self.exactPolicy)
        var random = SplitMix64(seed: 1)
        for second in 1...5 {
            _ = history.recordExit(at: .seconds(second), uptime: .seconds(1), using: &random)
        }
        let later = history.recordExit(at: .seconds(600), uptime: .seconds(300), using: &random)
        guard case .crashLooping = later else {
            Issue.record("expected crash-looping, got \(later)")
            return
        }
    }

    @Test func crashesSpreadWiderThanTheWindowNeverLoop() {
        var history = CrashHistory(policy: Self.exactPolicy)
        var random = SplitMix64(seed: 1)
        var time = Duration.zero
        for _ in 0..<20 {
            time += .seconds(16)
            let decision = history.recordExit(at: time, uptime: .seconds(15), using: &random)
            guard case .restart = decision else {
                Issue.record("a crash every 16 s must not count as a loop, got \(decision)")
                return
            }
        }
        #expect(history.recentCrashes.count == 4)
        #expect(!history.isCrashLooping)
    }

    @Test func backOffKeepsGrowingWhileTheChildNeverRunsStably() {
        var history = CrashHistory(policy: Self.exactPolicy)
        var random = SplitMix64(seed: 1)
        var time = Duration.zero
        var last: RestartDecision?
        for _ in 0..<10 {
            time += .seconds(40)
            last = history.recordExit(at: time, uptime: .seconds(30), using: &random)
        }
        #expect(last == .restart(after: .seconds(30), crashes: 10))
    }

    @Test func aStableRunResetsTheCount() {
        var history = CrashHistory(policy: Self.exactPolicy)
        var random = SplitMix64(seed: 1)
        for second in 1...4 {
            _ = history.recordExit(at: .seconds(second), uptime: .seconds(1), using: &random)
        }
        let afterStableRun = history.recordExit(at: .seconds(70), uptime: .seconds(60), using: &random)
        #expect(afterStableRun == .restart(after: .milliseconds(500), crashes: 1))
        #expect(history.recentCrashes == [.seconds(70)])
    }

    @Test func aRunJustShortOfStableDoesNotReset() {
        var history = CrashHistory(policy: Self.exactPolicy)
        var random = SplitMix64(seed: 1)
        _ = history.recordExit(at: .seconds(1), uptime: .seconds(1), using: &random)
        let decision = history.recordExit(at: .seconds(61), uptime: .seconds(59), using: &random)
        #expect(decision == .restart(after: .seconds(1), crashes: 2))
    }
}
