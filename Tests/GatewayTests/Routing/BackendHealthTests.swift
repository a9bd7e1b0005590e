import Cluster
import Testing

@testable import Gateway

@Suite struct BackendHealthTests {
    private static let policy = HealthPolicy(
        rise: 2,
        fall: 3,
        checkInterval: .seconds(2),
        fastCheckInterval: .milliseconds(500),
        consecutiveFailures: 3,
        baseEjectionTime: .seconds(10),
        maxEjectionTime: .seconds(35),
        maxEjectionPercent: 50,
        slowStart: .seconds(10),
        maxInFlightPerBackend: 100
    )

    private static func descriptor(
        _ state: MemberState = .alive,
        _ serving: MemberMetadata.ServingState = .ready
    ) -> BackendDescriptor {
        BackendDescriptor(
            name: "node-a",
            httpAddress: "127.0.0.1:9000",
            models: ["synthetic"],
            memberState: state,
            servingState: serving
        )
    }

    private static func backend(
        _ serving: MemberMetadata.ServingState = .ready,
        slowStart: Bool = false,
        at now: Duration = .zero
    ) -> BackendHealth {
        BackendHealth(descriptor(.alive, serving), policy: policy, now: now, slowStart: slowStart)
    }

    // MARK: Active checks

    @Test func readyFromGossipStartsUpAndFirstFailureTakesItDown() {
        var backend = Self.backend()
        #expect(backend.checksUp)
        #expect(backend.isEligible(at: .zero))
        #expect(backend.checkHealth == 2)
        #expect(backend.nextCheckAt == .zero)
        backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(1))
        #expect(!backend.checksUp)
        #expect(!backend.isEligible(at: .seconds(1)))
    }

    @Test func notReadyStartsDownAndNeedsRiseSuccesses() {
        var backend = Self.backend(.starting)
        #expect(!backend.checksUp)
        #expect(backend.checkHealth == 0)
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(1))
        #expect(!backend.checksUp)
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(2))
        #expect(backend.checksUp)
        #expect(backend.checkHealth == 4)
        // Checks up, but gossip still says starting: not eligible.
        #expect(!backend.isEligible(at: .seconds(2)))
        #expect(backend.status(at: .seconds(2)) == .starting)
    }

    @Test func fullyUpGoesDownAfterExactlyFallConsecutiveFailures() {
        var backend = Self.backend()
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .zero)
        #expect(backend.checkHealth == 4)
        var ups: [Bool] = []
        for second in 1...3 {
            backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(second))
            ups.append(backend.checksUp)
        }
        #expect(ups == [true, true, false])
        #expect(backend.checkHealth == 0)
    }

    @Test func aSuccessWhileGoingDownRestoresFullHealth() {
        var backend = Self.backend()
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .zero)
        let results = [false, false, true, false, false, true, false, false]
        for (step, success) in results.enumerated() {
            backend.recordCheck(succeeded: success, policy: Self.policy, now: .seconds(step + 1))
            #expect(backend.checksUp, "step \(step)")
        }
        backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(20))
        #expect(!backend.checksUp)
    }

    @Test func aFailureWhileComingUpStartsTheRiseAgain() {
        var backend = Self.backend(.starting)
        let sequence: [(Bool, Bool)] = [(true, false), (false, false), (true, false), (true, true)]
        for (step, (success, expectedUp)) in sequence.enumerated() {
            backend.recordCheck(succeeded: success, policy: Self.policy, now: .seconds(step))
            #expect(backend.checksUp == expectedUp, "step \(step)")
        }
    }

    @Test func fastIntervalWhileDownOrTransitioningNormalIntervalWhenFullyUp() {
        var backend = Self.backend()
        // Health 2 of 4 (ready from gossip, not yet confirmed): transitioning.
        #expect(backend.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(1)) == .seconds(3))
        #expect(
            backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(3))
                == .seconds(3) + .milliseconds(500)
        )
        #expect(backend.nextCheckAt == .milliseconds(3500))
        backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(4))
        backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(5))
        #expect(!backend.checksUp)
        // Fully down: still the fast interval.
        #expect(backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(6)) == .milliseconds(6500))
        #expect(backend.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(7)) == .milliseconds(7500))
        #expect(backend.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(8)) == .seconds(10))
    }

    @Test func degenerateRiseAndFallActAsOne() {
        let policy = HealthPolicy(rise: 0, fall: -3)
        var backend = BackendHealth(Self.descriptor(.alive, .starting), policy: policy, now: .zero, slowStart: false)
        backend.recordCheck(succeeded: true, policy: policy, now: .seconds(1))
        #expect(backend.checksUp)
        backend.recordCheck(succeeded: false, policy: policy, now: .seconds(2))
        #expect(!backend.checksUp)
    }

    // MARK: Gossip fusion

    @Test(arguments: [
        (MemberState.suspect, MemberMetadata.ServingState.ready),
        (.dead, .ready),
        (.left, .ready),
        (.alive, .draining),
        (.alive, .starting),
    ])
    func gossipRemovesABackendAtOnceWhateverTheChecksSay(state: MemberState, serving: MemberMetadata.ServingState) {
        var backend = Self.backend()
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .zero)
        #expect(backend.isEligible(at: .seconds(1)))
        backend.updateGossip(Self.descriptor(state, serving), policy: Self.policy, now: .seconds(1))
        #expect(backend.checksUp)
        #expect(!backend.isEligible(at: .seconds(1)))
        #expect(backend.weight(at: .seconds(1), policy: Self.policy) == 0)
        #expect(backend.inFlightCap(at: .seconds(1), policy: Self.policy) == 0)
        #expect(backend.wantsChecks == state.isLive)
        // Accused but still passing its checks: still watched, and a panic-routing candidate.
        let accused = serving == .ready && (state == .suspect || state == .dead)
        #expect(backend.isWatched == (state.isLive || state == .dead))
        #expect(backend.isAccusedButServing == accused)
        #expect(backend.isPanicEligible(at: .seconds(1)) == accused)
        #expect(backend.isLastResort(at: .seconds(1)) == (state.isLive && serving == .ready))
        let expectedStatus: BackendStatus =
            serving == .draining ? .draining : serving == .starting ? .starting : .down
        #expect(backend.status(at: .seconds(1)) == expectedStatus)
    }

    @Test func becomingReadyAgainRaisesTheCountersToRiseAndAsksForACheck() {
        var backend = Self.backend()
        backend.updateGossip(Self.descriptor(.alive, .draining), policy: Self.policy, now: .seconds(1))
        for second in 2...4 { backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(second)) }
        #expect(backend.checkHealth == 0)
        backend.updateGossip(Self.descriptor(.alive, .ready), policy: Self.policy, now: .seconds(10))
        #expect(backend.checkHealth == 2)
        #expect(backend.nextCheckAt == .seconds(10))
        #expect(backend.isEligible(at: .seconds(10)))
        #expect(backend.status(at: .seconds(10)) == .up)
        // A ready that was already ready changes nothing.
        backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(11))
        backend.updateGossip(Self.descriptor(.alive, .ready), policy: Self.policy, now: .seconds(12))
        #expect(!backend.checksUp)
    }

    // MARK: Slow start

    @Test func slowStartRampsWeightAndCapLinearlyFromTenPercent() {
        var backend = Self.backend()
        // Dead, and its checks fail: it was really gone (e.g. restarted).
        backend.updateGossip(Self.descriptor(.dead, .ready), policy: Self.policy, now: .seconds(1))
        backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(2))
        #expect(!backend.isWatched)
        backend.updateGossip(Self.descriptor(.alive, .ready), policy: Self.policy, now: .seconds(20))
        #expect(backend.slowStartOrigin == .seconds(20))
        let expected: [(Duration, Double, Int)] = [
            (.seconds(20), 0.1, 10),
            (.seconds(21), 0.19, 19),
            (.seconds(25), 0.55, 55),
            (.seconds(26), 0.64, 64),
            (.seconds(30), 1, 100),
            (.seconds(90), 1, 100),
        ]
        for (time, weight, cap) in expected {
            #expect(abs(backend.weight(at: time, policy: Self.policy) - weight) < 1e-9, "at \(time)")
            #expect(backend.inFlightCap(at: time, policy: Self.policy) == cap, "at \(time)")
        }
    }

    @Test func backendsKnownAtStartUpDoNotSlowStartButJoinersDo() {
        let known = Self.backend(slowStart: false, at: .seconds(5))
        #expect(known.weight(at: .seconds(5), policy: Self.policy) == 1)
        let joiner = Self.backend(slowStart: true, at: .seconds(5))
        #expect(joiner.weight(at: .seconds(5), policy: Self.policy) == 0.1)
        #expect(joiner.inFlightCap(at: .seconds(5), policy: Self.policy) == 10)
    }

    @Test func aClearedAccusationOfAServingBackendStartsNoNewSlowStart() {
        // Warm (no slow start): suspect, then dead, checks passing throughout, then refuted.
        var warm = Self.backend()
        warm.updateGossip(Self.descriptor(.suspect, .ready), policy: Self.policy, now: .seconds(1))
        warm.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(2))
        warm.updateGossip(Self.descriptor(.dead, .ready), policy: Self.policy, now: .seconds(3))
        warm.updateGossip(Self.descriptor(.alive, .ready), policy: Self.policy, now: .seconds(4))
        #expect(warm.isEligible(at: .seconds(4)))
        #expect(warm.slowStartOrigin == nil)
        #expect(warm.weight(at: .seconds(4), policy: Self.policy) == 1)
        #expect(warm.inFlightCap(at: .seconds(4), policy: Self.policy) == 100)
        // Half-way through a slow start: the ramp goes on from where it was.
        var ramping = Self.backend(slowStart: true, at: .zero)
        ramping.updateGossip(Self.descriptor(.suspect, .ready), policy: Self.policy, now: .seconds(5))
        #expect(ramping.weight(at: .seconds(5), policy: Self.policy) == 0)
        ramping.updateGossip(Self.descriptor(.alive, .ready), policy: Self.policy, now: .seconds(6))
        #expect(ramping.slowStartOrigin == .zero)
        #expect(abs(ramping.weight(at: .seconds(6), policy: Self.policy) - 0.64) < 1e-9)
    }

    @Test func anAccusedBackendWhoseChecksFailSlowStartsWhenItComesBack() {
        var backend = Self.backend()
        backend.updateGossip(Self.descriptor(.suspect, .ready), policy: Self.policy, now: .seconds(1))
        backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(2))
        #expect(!backend.isAccusedButServing)
        #expect(!backend.isPanicEligible(at: .seconds(2)))
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(3))
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(4))
        backend.updateGossip(Self.descriptor(.alive, .ready), policy: Self.policy, now: .seconds(5))
        #expect(backend.slowStartOrigin == .seconds(5))
        #expect(backend.weight(at: .seconds(5), policy: Self.policy) == 0.1)
        // Drained and resumed: a slow start as before.
        var drained = Self.backend()
        drained.updateGossip(Self.descriptor(.alive, .draining), policy: Self.policy, now: .seconds(1))
        drained.updateGossip(Self.descriptor(.alive, .ready), policy: Self.policy, now: .seconds(2))
        #expect(drained.slowStartOrigin == .seconds(2))
    }

    @Test func aMemberDeclaredDeadIsWatchedUntilItsChecksFail() {
        var backend = Self.backend()
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .zero)
        #expect(backend.checkHealth == 4)
        backend.updateGossip(Self.descriptor(.dead, .ready), policy: Self.policy, now: .seconds(1))
        #expect(!backend.isEligible(at: .seconds(1)))
        #expect(backend.status(at: .seconds(1)) == .down)
        // fall = 3: two failures leave it up (still a panic candidate), the third takes it down.
        for second in 2...3 {
            backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(Int64(second)))
            #expect(backend.isWatched)
            #expect(backend.isPanicEligible(at: .seconds(Int64(second))))
        }
        backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(4))
        #expect(!backend.isWatched)
        #expect(!backend.isPanicEligible(at: .seconds(4)))
        // Ejected: no panic routing either.
        var ejected = Self.backend()
        ejected.updateGossip(Self.descriptor(.dead, .ready), policy: Self.policy, now: .seconds(1))
        for _ in 0..<3 { ejected.recordFailure(policy: Self.policy, now: .seconds(1), mayEject: true) }
        #expect(ejected.isEjected(at: .seconds(1)))
        #expect(!ejected.isPanicEligible(at: .seconds(1)))
        // Left is gone for good: never watched.
        var left = Self.backend()
        left.updateGossip(Self.descriptor(.left, .ready), policy: Self.policy, now: .seconds(1))
        #expect(!left.isWatched)
        #expect(!left.isPanicEligible(at: .seconds(1)))
    }

    @Test func checkRecoveryStartsASlowStart() {
        var backend = Self.backend()
        backend.recordCheck(succeeded: false, policy: Self.policy, now: .seconds(1))
        #expect(backend.slowStartOrigin == nil)
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(2))
        backend.recordCheck(succeeded: true, policy: Self.policy, now: .seconds(3))
        #expect(backend.slowStartOrigin == .seconds(3))
        #expect(abs(backend.weight(at: .seconds(8), policy: Self.policy) - 0.55) < 1e-9)
    }

    @Test func zeroSlowStartMeansFullWeightAtOnce() {
        let policy = HealthPolicy(slowStart: .zero, maxInFlightPerBackend: 8)
        let backend = BackendHealth(Self.descriptor(), policy: policy, now: .zero, slowStart: true)
        #expect(backend.weight(at: .zero, policy: policy) == 1)
        #expect(backend.inFlightCap(at: .zero, policy: policy) == 8)
    }

    @Test func tinyCapStaysAtLeastOneWhileEligible() {
        let policy = HealthPolicy(slowStart: .seconds(10), maxInFlightPerBackend: 2)
        let backend = BackendHealth(Self.descriptor(), policy: policy, now: .zero, slowStart: true)
        #expect(backend.inFlightCap(at: .zero, policy: policy) == 1)
    }

    // MARK: Passive ejection

    @Test func consecutiveFailuresEjectAndASuccessResetsTheStreak() {
        var backend = Self.backend()
        #expect(backend.recordFailure(policy: Self.policy, now: .seconds(1), mayEject: true) == false)
        #expect(backend.recordFailure(policy: Self.policy, now: .seconds(1), mayEject: true) == false)
        backend.recordSuccess()
        #expect(backend.consecutiveFailures == 0)
        #expect(backend.recordFailure(policy: Self.policy, now: .seconds(2), mayEject: true) == false)
        #expect(backend.recordFailure(policy: Self.policy, now: .seconds(2), mayEject: true) == false)
        #expect(backend.recordFailure(policy: Self.policy, now: .seconds(2), mayEject: true) == true)
        #expect(backend.ejectedUntil == .seconds(12))
        #expect(!backend.isEligible(at: .seconds(2)))
        #expect(!backend.isEligible(at: .milliseconds(11_999)))
        #expect(backend.status(at: .seconds(5)) == .down)
        // Released at expiry without any event, then slow-started from the release.
        #expect(backend.isEligible(at: .seconds(12)))
        #expect(backend.weight(at: .seconds(12), policy: Self.policy) == 0.1)
        #expect(abs(backend.weight(at: .seconds(17), policy: Self.policy) - 0.55) < 1e-9)
        #expect(backend.weight(at: .seconds(22), policy: Self.policy) == 1)
    }

    @Test func failuresWhileEjectedAreIgnored() {
        var backend = Self.backend()
        for _ in 0..<3 { backend.recordFailure(policy: Self.policy, now: .seconds(1), mayEject: true) }
        #expect(backend.ejectionCount == 1)
        for _ in 0..<10 {
            #expect(backend.recordFailure(policy: Self.policy, now: .seconds(5), mayEject: true) == false)
        }
        #expect(backend.ejectedUntil == .seconds(11))
        #expect(backend.consecutiveFailures == 0)
    }

    @Test func ejectionBackOffGrowsWithEachEjectionAndIsCapped() throws {
        var backend = Self.backend()
        var now = Duration.zero
        var lengths: [Duration] = []
        for _ in 0..<6 {
            for _ in 0..<3 { backend.recordFailure(policy: Self.policy, now: now, mayEject: true) }
            let end = try #require(backend.ejectedUntil)
            lengths.append(end - now)
            now = end  // fail again right at release: no quiet time, no decay
        }
        // base 10 s × n, capped at 35 s.
        #expect(lengths == [.seconds(10), .seconds(20), .seconds(30), .seconds(35), .seconds(35), .seconds(35)])
        #expect(backend.ejectionCount == 4)
    }

    @Test func quietTimeDecaysTheMultiplier() {
        var backend = Self.backend()
        var now = Duration.zero
        for _ in 0..<3 {
            for _ in 0..<3 { backend.recordFailure(policy: Self.policy, now: now, mayEject: true) }
            now = backend.ejectedUntil ?? now
        }
        #expect(backend.ejectionCount == 3)
        // 25 s of quiet after the last release = two base periods: the multiplier drops 3 → 1,
        // then the new ejection makes it 2.
        now += .seconds(25)
        for _ in 0..<3 { backend.recordFailure(policy: Self.policy, now: now, mayEject: true) }
        #expect(backend.ejectionCount == 2)
        #expect(backend.ejectedUntil == now + .seconds(20))
        // A long quiet spell forgets everything.
        now = (backend.ejectedUntil ?? now) + .seconds(1000)
        for _ in 0..<3 { backend.recordFailure(policy: Self.policy, now: now, mayEject: true) }
        #expect(backend.ejectionCount == 1)
    }

    @Test func theFleetCapCanHoldAnEjectionBack() {
        var backend = Self.backend()
        for _ in 0..<5 {
            #expect(backend.recordFailure(policy: Self.policy, now: .seconds(1), mayEject: false) == false)
        }
        #expect(backend.isEligible(at: .seconds(1)))
        #expect(backend.consecutiveFailures == 5)
        #expect(backend.recordFailure(policy: Self.policy, now: .seconds(2), mayEject: true) == true)
    }

    @Test func ejectionOffWhenThresholdIsZero() {
        let policy = HealthPolicy(consecutiveFailures: 0)
        var backend = BackendHealth(Self.descriptor(), policy: policy, now: .zero, slowStart: false)
        for _ in 0..<100 { #expect(backend.recordFailure(policy: policy, now: .seconds(1), mayEject: true) == false) }
        #expect(backend.isEligible(at: .seconds(1)))
    }
}
