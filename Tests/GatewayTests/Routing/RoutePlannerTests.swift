import Cluster
import Testing

@testable import Gateway

@Suite struct RoutePlannerTests {
    private static let model = "synthetic"

    private static func table(
        _ count: Int,
        notReady: Set<Int> = [],
        policy: HealthPolicy = HealthPolicy()
    ) -> HealthTable {
        var table = HealthTable(policy: policy)
        table.sync(
            (0..<count).map {
                BackendDescriptor(
                    name: "node-\($0)",
                    httpAddress: "127.0.0.1:\(9000 + $0)",
                    models: [model],
                    memberState: notReady.contains($0) ? .suspect : .alive
                )
            },
            now: .zero
        )
        return table
    }

    private static func texts(_ count: Int) -> [String] {
        (0..<count).map { "sentence number \($0)" }
    }

    /// The table indices of the key's ring owners, best first.
    private static func owners(of text: String, in table: HealthTable, count: Int) -> [Int] {
        guard let modelRing = table.ring(for: model) else { return [] }
        return modelRing.ring.ownerIndices(forKeyHash: HashRing.keyHash(model: model, text: text), count: count)
            .map { modelRing.backendIndices[$0] }
    }

    @Test func aTextAlwaysGoesToOneOfItsTwoOwners() throws {
        let table = Self.table(6)
        let planner = RoutePlanner(table: table, now: .zero)
        var random = SplitMix64(seed: 1)
        for text in Self.texts(300) {
            let owners = Self.owners(of: text, in: table, count: 2)
            var chosen = Set<Int>()
            for _ in 0..<10 {
                let plan = try planner.plan(model: Self.model, texts: [text], outstanding: { _ in 0 }, using: &random)
                #expect(plan.groups.count == 1)
                chosen.insert(try #require(plan.groups.first).backend)
            }
            #expect(chosen.isSubset(of: Set(owners)), "\(text)")
        }
    }

    @Test func ownershipIsStableAcrossPlannersAndPicksTheLessLoadedOwner() throws {
        let table = Self.table(5)
        let planner = RoutePlanner(table: table, now: .seconds(3))
        var random = SplitMix64(seed: 2)
        for text in Self.texts(100) {
            let owners = Self.owners(of: text, in: table, count: 2)
            // Everyone else carries 2, the first owner 2, the second 1: the second is picked.
            let loads: (Int) -> Int = { $0 == owners[1] ? 1 : 2 }
            let plan = try planner.plan(model: Self.model, texts: [text], outstanding: loads, using: &random)
            #expect(plan.groups.map(\.backend) == [owners[1]])
            #expect(plan.groups.first?.backendName == "node-\(owners[1])")
            #expect(plan.groups.first?.httpAddress == "127.0.0.1:\(9000 + owners[1])")
            #expect(plan.groups.first?.inFlightCap == 1024)
        }
    }

    @Test func hotOwnersSendTheKeyAlongItsRingOrder() throws {
        let table = Self.table(5)
        let planner = RoutePlanner(table: table, now: .zero)
        var random = SplitMix64(seed: 3)
        for text in Self.texts(100) {
            let order = Self.owners(of: text, in: table, count: 5)
            // Owners at 10 each, the rest at 0: total 20 over 5, capacity ⌈1.25 · 21 / 5⌉ = 6.
            let loads: (Int) -> Int = { order.prefix(2).contains($0) ? 10 : 0 }
            let plan = try planner.plan(model: Self.model, texts: [text], outstanding: loads, using: &random)
            #expect(plan.groups.map(\.backend) == [order[2]], "\(text)")
        }
    }

    @Test func anOwnerJustBelowTheBoundStillTakesItsKey() throws {
        let table = Self.table(4)
        let planner = RoutePlanner(table: table, now: .zero)
        var random = SplitMix64(seed: 4)
        let text = "bounded"
        let order = Self.owners(of: text, in: table, count: 4)
        // Loads 4, 4, 0, 0: total 8, capacity ⌈1.25 · 9 / 4⌉ = 3, so both owners are over it.
        var plan = try planner.plan(
            model: Self.model,
            texts: [text],
            outstanding: { order.prefix(2).contains($0) ? 4 : 0 },
            using: &random
        )
        #expect(plan.groups.map(\.backend) == [order[2]])
        // Loads 2, 2, 2, 2: total 8, capacity 3: the owners qualify again.
        plan = try planner.plan(model: Self.model, texts: [text], outstanding: { _ in 2 }, using: &random)
        #expect(order.prefix(2).contains(plan.groups.first?.backend ?? -1))
    }

    @Test func unhealthyOwnersAreSkipped() throws {
        var random = SplitMix64(seed: 5)
        for text in Self.texts(50) {
            let probe = Self.table(5)
            let order = Self.owners(of: text, in: probe, count: 5)
            let table = Self.table(5, notReady: Set(order.prefix(2)))
            let plan = try RoutePlanner(table: table, now: .zero)
                .plan(model: Self.model, texts: [text], outstanding: { _ in 0 }, using: &random)
            #expect(plan.groups.map(\.backend) == [order[2]])
            // One owner down: the other owner takes it.
            let half = Self.table(5, notReady: [order[0]])
            let halfPlan = try RoutePlanner(table: half, now: .zero)
                .plan(model: Self.model, texts: [text], outstanding: { _ in 0 }, using: &random)
            #expect(halfPlan.groups.map(\.backend) == [order[1]])
        }
    }

    @Test func excludedAndCappedBackendsAreNeverUsed() throws {
        let table = Self.table(3, policy: HealthPolicy(maxInFlightPerBackend: 4))
        let planner = RoutePlanner(table: table, now: .zero)
        var random = SplitMix64(seed: 6)
        let plan = try planner.plan(
            model: Self.model,
            texts: Self.texts(200),
            excluding: [0],
            outstanding: { $0 == 1 ? 4 : 0 },
            using: &random
        )
        #expect(plan.groups.map(\.backend) == [2])
        #expect(plan.groups.first?.inputIndices == Array(0..<200))
        #expect(plan.groups.first?.inFlightCap == 4)
        #expect(throws: RoutingError.self) {
            try planner.plan(
                model: Self.model, texts: ["x"], excluding: [0, 2], outstanding: { _ in 4 }, using: &random)
        }
    }

    @Test func everyHealthyBackendAtItsCapIsOverloadNotAnOutage() {
        var random = SplitMix64(seed: 9)
        // Every eligible backend at its cap: the error says the cluster is saturated (429), not
        // unhealthy (503).
        let table = Self.table(3, policy: HealthPolicy(maxInFlightPerBackend: 4))
        let planner = RoutePlanner(table: table, now: .zero)
        do {
            let plan = try planner.plan(
                model: Self.model, texts: ["x", "y"], outstanding: { _ in 4 }, using: &random)
            Issue.record("planned \(plan.groups.map(\.backend)) with every eligible backend at its cap")
        } catch {
            #expect(error.code == .saturated)
            #expect(error.message.contains("in-flight limit"))
        }
        // One below its cap: served there.
        let plan = try? planner.plan(
            model: Self.model, texts: ["x"], outstanding: { $0 == 1 ? 3 : 4 }, using: &random)
        #expect(plan?.groups.map(\.backend) == [1])
    }

    @Test func errorsSayWhetherTheModelIsUnknownOrJustUnavailable() {
        var random = SplitMix64(seed: 7)
        var table = Self.table(2)
        table.sync(
            (0..<2).map {
                BackendDescriptor(
                    name: "node-\($0)", httpAddress: "h:\($0)", models: [Self.model], servingState: .draining)
            },
            now: .zero
        )
        let planner = RoutePlanner(table: table, now: .zero)
        do {
            _ = try planner.plan(model: "gpt-9", texts: ["x"], outstanding: { _ in 0 }, using: &random)
            Issue.record("planned a model nobody serves")
        } catch {
            #expect(error.code == .modelNotServed)
            #expect(error.message.contains("gpt-9"))
        }
        do {
            _ = try planner.plan(model: Self.model, texts: ["x"], outstanding: { _ in 0 }, using: &random)
            Issue.record("planned with every backend draining")
        } catch {
            #expect(error.code == .noHealthyBackend)
        }
    }

    @Test func whenEveryBackendIsOnlySuspectTheOnesWithPassingChecksStillServe() throws {
        var random = SplitMix64(seed: 8)
        func descriptors(_ state: MemberState) -> [BackendDescriptor] {
            (0..<3).map {
                BackendDescriptor(name: "node-\($0)", httpAddress: "h:\($0)", models: [Self.model], memberState: state)
            }
        }
        var table = Self.table(3)
        table.sync(descriptors(.suspect), now: .seconds(1))
        #expect(!table.hasEligibleBackend(at: .seconds(1)))
        let plan = try RoutePlanner(table: table, now: .seconds(1))
            .plan(model: Self.model, texts: Self.texts(20), outstanding: { _ in 0 }, using: &random)
        #expect(Set(plan.groups.flatMap(\.inputIndices)) == Set(0..<20))
        // Declared dead, checks still passing: possibly falsely accused, still served.
        table.sync(descriptors(.dead), now: .seconds(2))
        let deadPlan = try RoutePlanner(table: table, now: .seconds(2))
            .plan(model: Self.model, texts: Self.texts(20), outstanding: { _ in 0 }, using: &random)
        #expect(Set(deadPlan.groups.flatMap(\.inputIndices)) == Set(0..<20))
        // Dead and failing its checks, or left: gone. Nothing to route to.
        for index in 0..<3 {
            for second in 3...5 { table.recordCheck(index, succeeded: false, now: .seconds(Int64(second))) }
        }
        #expect(throws: RoutingError.self) {
            try RoutePlanner(table: table, now: .seconds(6))
                .plan(model: Self.model, texts: ["x"], outstanding: { _ in 0 }, using: &random)
        }
        var left = Self.table(3)
        left.sync(
            (0..<3).map {
                BackendDescriptor(name: "node-\($0)", httpAddress: "h:\($0)", models: [Self.model], memberState: .left)
            }, now: .seconds(1))
        #expect(throws: RoutingError.self) {
            try RoutePlanner(table: left, now: .seconds(1))
                .plan(model: Self.model, texts: ["x"], outstanding: { _ in 0 }, using: &random)
        }
    }

    @Test func theLastSurvivorFlappingToSuspectStillGetsEveryRequest() throws {
        // The killed-nodes scenario on a starved machine: node-0 is the survivor, falsely suspect
        // (or even dead) in the gateway's gossip view; node-1 was just killed (checks not failed
        // yet); node-2 was killed long ago (checks failed).
        var random = SplitMix64(seed: 11)
        for survivorState in [MemberState.suspect, .dead] {
            var table = Self.table(3)
            for second in 1...3 { table.recordCheck(2, succeeded: false, now: .seconds(Int64(second))) }
            table.sync(
                [
                    BackendDescriptor(
                        name: "node-0", httpAddress: "h:0", models: [Self.model], memberState: survivorState),
                    BackendDescriptor(name: "node-1", httpAddress: "h:1", models: [Self.model], memberState: .suspect),
                    BackendDescriptor(name: "node-2", httpAddress: "h:2", models: [Self.model], memberState: .dead),
                ],
                now: .seconds(4)
            )
            #expect(!table.hasEligibleBackend(at: .seconds(4)))
            let planner = RoutePlanner(table: table, now: .seconds(4))
            let texts = Self.texts(50)
            let plan = try planner.plan(model: Self.model, texts: texts, outstanding: { _ in 0 }, using: &random)
            #expect(Set(plan.backends).isSubset(of: [0, 1]), "\(survivorState)")
            #expect(plan.groups.flatMap(\.inputIndices).sorted() == Array(0..<50))
            // A group sent to the dead node-1 fails to connect; its retry goes to the survivor.
            for group in plan.groups where group.backend == 1 {
                let retry = try planner.replan(
                    group, model: Self.model, texts: texts, outstanding: { _ in 0 }, using: &random)
                #expect(retry.backends == [0])
            }
            // Every group gets the full in-flight cap: no slow start in panic.
            #expect(plan.groups.allSatisfy { $0.inFlightCap == 1024 })
        }
    }

    @Test func manyInputsAreSplitByOwnerWithEveryIndexExactlyOnce() throws {
        let table = Self.table(6)
        let planner = RoutePlanner(table: table, now: .zero)
        var random = SplitMix64(seed: 8)
        let texts = Self.texts(500)
        let plan = try planner.plan(model: Self.model, texts: texts, outstanding: { _ in 0 }, using: &random)
        let all = plan.groups.flatMap(\.inputIndices)
        #expect(all.sorted() == Array(texts.indices))
        // One sub-request per backend used; texts whose owners already have a sub-request join it,
        // so a 500-text request needs no more sub-requests than there are backends.
        #expect(Set(plan.groups.map(\.backend)).count == plan.groups.count)
        #expect((3...6).contains(plan.groups.count), "\(plan.groups.count)")
        for group in plan.groups {
            #expect(group.inputIndices == group.inputIndices.sorted())
            for index in group.inputIndices {
                #expect(Self.owners(of: texts[index], in: table, count: 2).contains(group.backend))
            }
        }
        let firsts = plan.groups.map { $0.inputIndices.first ?? -1 }
        #expect(firsts == firsts.sorted())
        #expect(firsts.first == 0)
    }

    @Test func textsSharingAnOwnerTravelTogether() throws {
        let table = Self.table(3)
        let planner = RoutePlanner(table: table, now: .zero)
        var random = SplitMix64(seed: 9)
        // With three backends and two owners per key, any two keys share an owner: the planner
        // needs at most two sub-requests however many texts there are.
        let plan = try planner.plan(model: Self.model, texts: Self.texts(64), outstanding: { _ in 0 }, using: &random)
        #expect(plan.groups.count <= 2)
        #expect(plan.groups.flatMap(\.inputIndices).sorted() == Array(0..<64))
    }

    @Test func replanAvoidsTheFailedBackendAndKeepsOriginalIndices() throws {
        let table = Self.table(4)
        let planner = RoutePlanner(table: table, now: .zero)
        var random = SplitMix64(seed: 10)
        let texts = Self.texts(40)
        let plan = try planner.plan(model: Self.model, texts: texts, outstanding: { _ in 0 }, using: &random)
        let failed = try #require(plan.groups.first)
        let retry = try planner.replan(
            failed,
            model: Self.model,
            texts: texts,
            outstanding: { _ in 0 },
            using: &random
        )
        #expect(!retry.backends.contains(failed.backend))
        #expect(retry.groups.flatMap(\.inputIndices).sorted() == failed.inputIndices)
        let everyoneTried = Set(0..<4).subtracting([failed.backend])
        #expect(throws: RoutingError.self) {
            try planner.replan(
                failed,
                model: Self.model,
                texts: texts,
                excluding: everyoneTried,
                outstanding: { _ in 0 },
                using: &random
            )
        }
    }

    @Test func gatherPutsResultsBackInInputOrder() throws {
        let table = Self.table(5)
        var random = SplitMix64(seed: 11)
        let texts = Self.texts(100)
        let plan = try RoutePlanner(table: table, now: .zero)
            .plan(model: Self.model, texts: texts, outstanding: { _ in 0 }, using: &random)
        // Each backend "embeds" by echoing the text it got.
        let parts = plan.groups.reversed().map {
            (inputIndices: $0.inputIndices, values: $0.inputIndices.map { texts[$0] })
        }
        #expect(try RoutePlan.gather(parts, inputCount: texts.count) == texts)
    }

    @Test func gatherRejectsResultsThatDoNotFit() {
        let good: [(inputIndices: [Int], values: [String])] = [([0, 2], ["a", "c"]), ([1], ["b"])]
        #expect((try? RoutePlan.gather(good, inputCount: 3)) == ["a", "b", "c"])
        let cases: [[(inputIndices: [Int], values: [String])]] = [
            [([0, 2], ["a"]), ([1], ["b"])],  // too few results
            [([0, 2], ["a", "c"])],  // input 1 missing
            [([0, 2], ["a", "c"]), ([1, 2], ["b", "c"])],  // input 2 twice
            [([0, 2], ["a", "c"]), ([1, 7], ["b", "h"])],  // out of range
            [([0, 2], ["a", "c"]), ([-1, 1], ["z", "b"])],  // negative
        ]
        for parts in cases {
            #expect(throws: RoutingError.self) { try RoutePlan.gather(parts, inputCount: 3) }
        }
        #expect((try? RoutePlan.gather([(inputIndices: [Int], values: [Int])](), inputCount: 0)) == [])
    }

    @Test func withNothingElseLeftLiveReadyBackendsWhoseChecksFailStillServe() throws {
        var random = SplitMix64(seed: 13)
        // The last survivor's checks time out on a starved machine: it is down, but gossip says
        // it is alive and ready. Trying it beats answering 503 at once.
        var table = Self.table(2)
        for second in 1...3 {
            table.recordCheck(0, succeeded: false, now: .seconds(Int64(second)))
            table.recordCheck(1, succeeded: false, now: .seconds(Int64(second)))
        }
        table.sync(
            [
                BackendDescriptor(name: "node-0", httpAddress: "h:0", models: [Self.model]),
                BackendDescriptor(name: "node-1", httpAddress: "h:1", models: [Self.model], memberState: .dead),
            ],
            now: .seconds(4)
        )
        #expect(!table.hasEligibleBackend(at: .seconds(4)))
        let planner = RoutePlanner(table: table, now: .seconds(4))
        let plan = try planner.plan(model: Self.model, texts: Self.texts(10), outstanding: { _ in 0 }, using: &random)
        #expect(plan.backends == [0])
        // An accused backend whose checks pass comes first.
        var both = Self.table(2)
        for second in 1...3 { both.recordCheck(0, succeeded: false, now: .seconds(Int64(second))) }
        both.sync(
            [
                BackendDescriptor(name: "node-0", httpAddress: "h:0", models: [Self.model]),
                BackendDescriptor(name: "node-1", httpAddress: "h:1", models: [Self.model], memberState: .suspect),
            ],
            now: .seconds(4)
        )
        let preferred = try RoutePlanner(table: both, now: .seconds(4))
            .plan(model: Self.model, texts: Self.texts(10), outstanding: { _ in 0 }, using: &random)
        #expect(preferred.backends == [1])
        // Draining, starting, ejected or dead with failing checks: never.
        for serving in [MemberMetadata.ServingState.draining, .starting] {
            var table = Self.table(1)
            table.sync(
                [BackendDescriptor(name: "node-0", httpAddress: "h:0", models: [Self.model], servingState: serving)],
                now: .seconds(1))
            #expect(throws: RoutingError.self) {
                try RoutePlanner(table: table, now: .seconds(1))
                    .plan(model: Self.model, texts: ["x"], outstanding: { _ in 0 }, using: &random)
            }
        }
        var ejected = HealthTable(policy: HealthPolicy(consecutiveFailures: 1, maxEjectionPercent: 100))
        ejected.sync([BackendDescriptor(name: "node-0", httpAddress: "h:0", models: [Self.model])], now: .zero)
        let wasEjected = ejected.recordOutcome(0, succeeded: false, now: .seconds(1))
        #expect(wasEjected)
        ejected.recordCheck(0, succeeded: false, now: .seconds(1))
        #expect(throws: RoutingError.self) {
            try RoutePlanner(table: ejected, now: .seconds(2))
                .plan(model: Self.model, texts: ["x"], outstanding: { _ in 0 }, using: &random)
        }
    }

    @Test func aLoneBackendInSlowStartTakesMoreThanItsRampWhenNothingElseCan() throws {
        // It was down (checks failed) and is back: slow start caps it at 10 % of 1024 = 102.
        var table = Self.table(1)
        table.recordCheck(0, succeeded: false, now: .seconds(1))
        table.recordCheck(0, succeeded: true, now: .seconds(2))
        table.recordCheck(0, succeeded: true, now: .seconds(3))
        #expect(table.inFlightCap(0, at: .seconds(3)) == 102)
        var random = SplitMix64(seed: 14)
        let plan = try RoutePlanner(table: table, now: .seconds(3))
            .plan(model: Self.model, texts: ["x"], outstanding: { _ in 120 }, using: &random)
        #expect(plan.backends == [0])
        #expect(plan.groups.first?.inFlightCap == 1024)
    }

    @Test func slowStartingOwnerGetsLessOfItsKeys() throws {
        // node-1 joins after the first sync: it ramps from 10 %.
        var table = Self.table(3)
        table.sync(
            (0..<4).map { BackendDescriptor(name: "node-\($0)", httpAddress: "h:\($0)", models: [Self.model]) },
            now: .seconds(10)
        )
        let joiner = try #require(table.index(of: "node-3"))
        #expect(table.weight(joiner, at: .seconds(10)) == 0.1)
        var random = SplitMix64(seed: 12)
        let planner = RoutePlanner(table: table, now: .seconds(10))
        var joinerPicks = 0
        var joinerOwned = 0
        for text in Self.texts(400) where Self.owners(of: text, in: table, count: 2).contains(joiner) {
            joinerOwned += 1
            // Every backend has 1 in flight: (1 + 1) / 0.1 = 20 against (1 + 1) / 1 = 2.
            let plan = try planner.plan(model: Self.model, texts: [text], outstanding: { _ in 1 }, using: &random)
            if plan.groups.first?.backend == joiner { joinerPicks += 1 }
        }
        #expect(joinerOwned > 100)
        #expect(joinerPicks == 0)
    }
}
