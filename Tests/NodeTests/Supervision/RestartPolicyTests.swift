import Cluster
import Testing

@testable import Node

@Suite struct RestartPolicyTests {
    @Test func withoutJitterTheDelayDoublesFromHalfASecondUpToThirtySeconds() {
        var policy = RestartPolicy()
        policy.jitter = 0
        var random = SplitMix64(seed: 1)
        let delays = (1...9).map { policy.delay(afterCrashes: $0, using: &random) }
        #expect(
            delays == [
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30),
                .seconds(30), .seconds(30),
            ])
    }

    @Test func jitterOnlyLengthensAndNeverLeavesTheBounds() {
        let policy = RestartPolicy()
        var random = SplitMix64(seed: 42)
        var sawJitter = false
        for crashes in 1...12 {
            for _ in 0..<50 {
                let delay = policy.delay(afterCrashes: crashes, using: &random)
                #expect(delay >= .milliseconds(500) && delay <= .seconds(30))
                let base = min(Duration.seconds(30), .milliseconds(500) * (1 << min(crashes - 1, 10)))
                #expect(delay >= base && delay <= base * 1.2)
                if delay != base { sawJitter = true }
            }
        }
        #expect(sawJitter)
    }

    @Test func theSameSeedGivesTheSameDelays() {
        let policy = RestartPolicy()
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        let a = (1...6).map { policy.delay(afterCrashes: $0, using: &first) }
        let b = (1...6).map { policy.delay(afterCrashes: $0, using: &second) }
        #expect(a == b)
    }

    @Test func aCrashCountBelowOneIsTreatedAsTheFirstCrash() {
        var policy = RestartPolicy()
        policy.jitter = 0
        var random = SplitMix64(seed: 1)
        #expect(policy.delay(afterCrashes: 0, using: &random) == .milliseconds(500))
        #expect(policy.delay(afterCrashes: -3, using: &random) == .milliseconds(500))
    }
}
