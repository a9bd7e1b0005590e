import Cluster
import Testing

@testable import Gateway

@Suite struct LeastOutstandingPickerTests {
    private typealias Candidate = LeastOutstandingPicker.Candidate

    @Test func picksTheLeastOutstanding() {
        var random = SplitMix64(seed: 1)
        let picker = LeastOutstandingPicker()
        let candidates = [
            Candidate(backend: 0, outstanding: 5), Candidate(backend: 1, outstanding: 2),
            Candidate(backend: 2, outstanding: 9),
        ]
        for _ in 0..<50 { #expect(picker.pick(from: candidates, using: &random)?.backend == 1) }
    }

    @Test func neverPicksIneligibleOrCappedBackends() {
        var random = SplitMix64(seed: 2)
        let picker = LeastOutstandingPicker()
        let candidates = [
            Candidate(backend: 0, outstanding: 0, weight: 0),
            Candidate(backend: 1, outstanding: 4, weight: 1, cap: 4),
            Candidate(backend: 2, outstanding: 0, weight: .nan),
            Candidate(backend: 3, outstanding: 0, weight: .infinity),
            Candidate(backend: 4, outstanding: 50, weight: 1, cap: 100),
        ]
        for _ in 0..<50 { #expect(picker.pick(from: candidates, using: &random)?.backend == 4) }
        #expect(picker.pick(from: Array(candidates.prefix(4)), using: &random) == nil)
        #expect(picker.pick(from: [], using: &random) == nil)
    }

    @Test func tiesAreBrokenUniformlyByTheSeededGenerator() {
        let picker = LeastOutstandingPicker()
        let candidates = (0..<4).map { Candidate(backend: $0, outstanding: 3) }
        var random = SplitMix64(seed: 3)
        var counts = [Int](repeating: 0, count: 4)
        for _ in 0..<8000 {
            if let chosen = picker.pick(from: candidates, using: &random) { counts[chosen.backend] += 1 }
        }
        #expect(counts.allSatisfy { (1800...2200).contains($0) }, "\(counts)")
        // The same seed gives the same choices.
        var first = SplitMix64(seed: 9)
        var second = SplitMix64(seed: 9)
        let a = (0..<100).map { _ in picker.pick(from: candidates, using: &first)?.backend }
        let b = (0..<100).map { _ in picker.pick(from: candidates, using: &second)?.backend }
        #expect(a == b)
    }

    @Test func weightScalesTheShare() {
        let picker = LeastOutstandingPicker()
        // Score (outstanding + 1) / weight: 9 at weight 1 scores 10 and beats 1 at weight 0.1 (20);
        // 10 at weight 1 scores 11 and loses to an idle backend at weight 0.1 (10).
        var random = SplitMix64(seed: 4)
        let slow = Candidate(backend: 1, outstanding: 1, weight: 0.1)
        #expect(picker.pick(from: [Candidate(backend: 0, outstanding: 9), slow], using: &random)?.backend == 0)
        let idle = Candidate(backend: 1, outstanding: 0, weight: 0.1)
        #expect(picker.pick(from: [Candidate(backend: 0, outstanding: 10), idle], using: &random)?.backend == 1)
    }

    /// Simulates a closed loop: 300 requests in flight at all times, each finishing at random.
    /// Returns how many requests each backend received.
    private static func simulate(
        weights: [Double],
        picker: LeastOutstandingPicker,
        requests: Int,
        seed: UInt64
    ) -> (received: [Int], maxOutstanding: [Int]) {
        var random = SplitMix64(seed: seed)
        var outstanding = [Int](repeating: 0, count: weights.count)
        var received = outstanding
        var maxOutstanding = outstanding
        var inFlight: [Int] = []
        for _ in 0..<requests {
            if inFlight.count >= 300 {
                let finished = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &random))
                outstanding[finished] -= 1
            }
            let candidates = weights.indices.map {
                Candidate(backend: $0, outstanding: outstanding[$0], weight: weights[$0])
            }
            guard let chosen = picker.pick(from: candidates, using: &random) else { continue }
            outstanding[chosen.backend] += 1
            received[chosen.backend] += 1
            maxOutstanding[chosen.backend] = max(maxOutstanding[chosen.backend], outstanding[chosen.backend])
            inFlight.append(chosen.backend)
        }
        return (received, maxOutstanding)
    }

    @Test func loadSpreadsEvenlyWithAFullScan() {
        let result = Self.simulate(
            weights: [Double](repeating: 1, count: 5),
            picker: LeastOutstandingPicker(),
            requests: 20_000,
            seed: 5
        )
        #expect(result.received.allSatisfy { (3800...4200).contains($0) }, "\(result.received)")
        // Full scan keeps outstanding counts within one of each other: 300 / 5 = 60.
        #expect(result.maxOutstanding.allSatisfy { $0 <= 61 }, "\(result.maxOutstanding)")
    }

    @Test func slowStartWeightGetsAProportionalShare() {
        let result = Self.simulate(
            weights: [1, 1, 1, 0.25],
            picker: LeastOutstandingPicker(),
            requests: 20_000,
            seed: 6
        )
        let share = Double(result.received[3]) / Double(result.received.reduce(0, +))
        // Outstanding requests split in proportion to weight: 0.25 / 3.25 ≈ 7.7 %.
        #expect((0.06...0.095).contains(share), "\(share)")
    }

    @Test func powerOfTwoChoicesAboveSixteenCandidatesStillSpreadsTheLoad() {
        let result = Self.simulate(
            weights: [Double](repeating: 1, count: 20),
            picker: LeastOutstandingPicker(),
            requests: 40_000,
            seed: 7
        )
        #expect(result.received.allSatisfy { (1700...2300).contains($0) }, "\(result.received)")
        // Two choices keep every backend close to the mean of 15 in flight, without a full scan.
        #expect(result.maxOutstanding.allSatisfy { $0 <= 25 }, "\(result.maxOutstanding)")
    }

    @Test func powerOfTwoChoicesNeverPicksTheWorstOrAnUnusableCandidate() {
        let picker = LeastOutstandingPicker()
        var random = SplitMix64(seed: 8)
        var candidates = (0..<40).map { Candidate(backend: $0, outstanding: $0) }
        candidates[0].weight = 0
        candidates[1].cap = 1
        var chosen = Set<Int>()
        for _ in 0..<5000 {
            guard let pick = picker.pick(from: candidates, using: &random) else { continue }
            chosen.insert(pick.backend)
        }
        #expect(!chosen.contains(0))
        #expect(!chosen.contains(1))
        #expect(!chosen.contains(39))
        // Unlike a full scan, two random choices also reach other backends than the least loaded.
        #expect(chosen.count > 20)
        #expect(chosen.contains(2))
    }

    @Test func aLowFullScanLimitStillHandlesTwoCandidates() {
        let picker = LeastOutstandingPicker(fullScanLimit: 0)
        var random = SplitMix64(seed: 10)
        let candidates = [Candidate(backend: 0, outstanding: 3), Candidate(backend: 1, outstanding: 1)]
        #expect(picker.pick(from: candidates, using: &random)?.backend == 1)
        #expect(picker.pick(from: [candidates[0]], using: &random)?.backend == 0)
    }
}
