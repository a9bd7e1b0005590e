import Foundation
import Testing

@testable import Cluster

@Suite struct HashRingTests {
    private static func members(_ count: Int) -> [String] {
        (0..<count).map { "node-\($0)" }
    }

    /// Random key strings from a seeded generator, like the texts a router hashes.
    private static func keys(_ count: Int, seed: UInt64) -> [String] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in "text \(random.next())" }
    }

    @Test func emptyRingOwnsNothing() {
        let ring = HashRing(members: [])
        #expect(ring.owner(for: "x") == nil)
        #expect(ring.owners(for: "x", count: 3).isEmpty)
        #expect(ring.owner(for: "x", loads: [:]) == nil)
    }

    @Test func ownersAreDistinctOrderedAndStartWithTheOwner() {
        let ring = HashRing(members: Self.members(10))
        for key in Self.keys(500, seed: 1) {
            let all = ring.owners(for: key, count: 10)
            #expect(Set(all).count == 10)
            #expect(all.first == ring.owner(for: key))
            #expect(ring.owners(for: key, count: 3) == Array(all.prefix(3)))
            #expect(ring.owners(for: Array(key.utf8), count: 3) == Array(all.prefix(3)))
        }
        #expect(ring.owners(for: "x", count: 50).count == 10)
        #expect(ring.owners(for: "x", count: 0).isEmpty)
        #expect(ring.owners(for: "x", count: -1).isEmpty)
    }

    @Test func routingKeySeparatesModels() {
        let key = HashRing.keyHash(model: "all-MiniLM-L6-v2", text: "hello")
        #expect(key == HashRing.keyHash(model: "all-MiniLM-L6-v2", text: "hello"))
        #expect(key != HashRing.keyHash(model: "synthetic", text: "hello"))
        #expect(key != HashRing.keyHash("hello"))
        #expect(HashRing.keyHash(model: "a", text: "bc") != HashRing.keyHash(model: "ab", text: "c"))
    }

    @Test func placementIgnoresMemberOrderAndDuplicates() {
        let names = Self.members(7)
        let ring = HashRing(members: names)
        let shuffled = HashRing(members: names.reversed() + ["node-3"])
        #expect(ring == shuffled)
        for key in Self.keys(200, seed: 2) {
            #expect(ring.owners(for: key, count: 2) == shuffled.owners(for: key, count: 2))
        }
        #expect(ring.index(of: "node-4").map { ring.members[$0] } == "node-4")
        #expect(ring.index(of: "node-9") == nil)
    }

    @Test(arguments: [3, 10, 50])
    func keySharesAreBalanced(memberCount: Int) {
        let ring = HashRing(members: Self.members(memberCount))
        let keyCount = 400_000
        var counts = [Int](repeating: 0, count: memberCount)
        var random = SplitMix64(seed: 42)
        for _ in 0..<keyCount {
            counts[ring.ownerIndex(forKeyHash: HashRing.keyHash("text \(random.next())"))!] += 1
        }
        let average = Double(keyCount) / Double(memberCount)
        let ratio = Double(counts.max()!) / average
        print("ring balance: N=\(memberCount), \(keyCount) keys, max/avg key share = \(ratio)")
        #expect(ratio <= 1.05)
    }

    @Test(arguments: [3, 10, 50])
    func joinAndLeaveMoveOnlyTheirShare(memberCount: Int) {
        let names = Self.members(memberCount)
        let ring = HashRing(members: names)
        let joined = HashRing(members: names + ["newcomer"])
        let left = HashRing(members: names.filter { $0 != "node-1" })
        let keys = Self.keys(100_000, seed: 3)
        var movedOnJoin = 0
        var movedOnLeave = 0
        for key in keys {
            let before = ring.owner(for: key)
            let afterJoin = joined.owner(for: key)
            if afterJoin != before {
                movedOnJoin += 1
                #expect(afterJoin == "newcomer")
            }
            let afterLeave = left.owner(for: key)
            if afterLeave != before {
                movedOnLeave += 1
                #expect(before == "node-1")
            }
        }
        let joinFraction = Double(movedOnJoin) / Double(keys.count)
        let leaveFraction = Double(movedOnLeave) / Double(keys.count)
        print(
            "ring movement: N=\(memberCount), join moved \(joinFraction), leave moved \(leaveFraction), "
                + "bound 1.1/N = \(1.1 / Double(memberCount))"
        )
        #expect(joinFraction <= 1.1 / Double(memberCount))
        #expect(leaveFraction <= 1.1 / Double(memberCount))
        #expect(movedOnJoin > 0 && movedOnLeave > 0)
    }

    @Test func boundedOwnerIsFirstMemberInRingOrderUnderCapacity() {
        let ring = HashRing(members: Self.members(8))
        var random = SplitMix64(seed: 4)
        for key in Self.keys(2_000, seed: 5) {
            var loads: [String: Int] = [:]
            for name in ring.members { loads[name] = Int(random.next() % 20) }
            let total = loads.values.reduce(0, +)
            let capacity = ring.capacity(totalLoad: total, c: 1.25)
            let expected = ring.owners(for: key, count: ring.count).first { loads[$0]! < capacity }
            #expect(ring.owner(for: key, loads: loads, c: 1.25) == expected)
            #expect(expected != nil)
        }
    }

    @Test func evenLoadKeepsKeysWithTheirOwner() {
        let ring = HashRing(members: Self.members(5))
        let loads = Dictionary(uniqueKeysWithValues: ring.members.map { ($0, 3) })
        for key in Self.keys(1_000, seed: 6) {
            #expect(ring.owner(for: key, loads: loads) == ring.owner(for: key))
        }
        #expect(ring.capacity(totalLoad: 15, c: 0.5) == ring.capacity(totalLoad: 15, c: 1))
        #expect(ring.capacity(totalLoad: 15, c: .nan) == 4)
    }

    /// Requests with Zipf(1.1)-skewed keys, each finishing after `window` later arrivals, placed
    /// with and without the bound; the worst max/avg in-flight ratio seen is compared.
    @Test func boundedLoadsCapZipfSkew() {
        let memberCount = 10
        let ring = HashRing(members: Self.members(memberCount))
        let keyUniverse = Self.keys(10_000, seed: 7).map { HashRing.keyHash($0) }
        var cumulative: [Double] = []
        var sum = 0.0
        for rank in 1...keyUniverse.count {
            sum += 1 / pow(Double(rank), 1.1)
            cumulative.append(sum)
        }
        let c = 1.25
        let window = 1_000
        func peakRatio(bounded: Bool) -> Double {
            var random = SplitMix64(seed: 8)
            var loads = [Int](repeating: 0, count: memberCount)
            // A circular buffer of the members serving the last `window` requests.
            var inFlight = [Int](repeating: -1, count: window)
            var worst = 0.0
            for arrival in 0..<100_000 {
                let slot = arrival % window
                if inFlight[slot] >= 0 { loads[inFlight[slot]] -= 1 }
                let draw = Double(random.next() >> 11) / Double(1 << 53) * sum
                var low = 0
                var high = cumulative.count - 1
                while low < high {
                    let middle = (low + high) / 2
                    if cumulative[middle] < draw { low = middle + 1 } else { high = middle }
                }
                let keyHash = keyUniverse[low]
                let chosen =
                    bounded
                    ? ring.ownerIndex(forKeyHash: keyHash, c: c) { loads[$0] }! : ring.ownerIndex(forKeyHash: keyHash)!
                loads[chosen] += 1
                inFlight[slot] = chosen
                if arrival >= window {
                    worst = max(worst, Double(loads.max()!) / (Double(window) / Double(memberCount)))
                }
            }
            return worst
        }
        let unbounded = peakRatio(bounded: false)
        let bounded = peakRatio(bounded: true)
        print(
            "ring Zipf(1.1), N=\(memberCount), window \(window): peak max/avg unbounded \(unbounded), bounded \(bounded)"
        )
        // One request of rounding slack: capacity is ⌈c · avg⌉.
        #expect(bounded <= c + Double(memberCount) / Double(window))
        #expect(unbounded > c)
    }
}
