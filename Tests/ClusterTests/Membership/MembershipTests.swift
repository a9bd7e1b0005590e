import Foundation
import Synchronization
import Testing

@testable import Cluster

/// Real sockets on loopback (port 0): members in one process join, see each other's metadata,
/// detect a member that stops answering, see a graceful leave as `left`, and shut out a member
/// with another key. Protocol periods are shortened so each scenario takes a second or two; every
/// wait is for a condition, with a generous deadline, never a fixed sleep.
@Suite(.serialized) struct MembershipTests {
    static func fastSettings() -> SWIMSettings {
        var settings = SWIMSettings()
        settings.probeInterval = .milliseconds(100)
        settings.probeTimeout = .milliseconds(50)
        settings.gossipInterval = .milliseconds(30)
        settings.pushPullInterval = .seconds(2)
        settings.joinRetryInitial = .milliseconds(100)
        settings.joinRetryMax = .milliseconds(500)
        settings.leavePropagationTime = .milliseconds(300)
        return settings
    }

    static let key = "cGFzc3dvcmQtZm9yLWdvc3NpcC1rZXktMzJieXRlcyE="  // 32 bytes

    /// A running member and the task that runs it.
    final class Running: Sendable {
        let membership: Membership
        let task: Task<Void, any Error>

        init(_ membership: Membership) {
            self.membership = membership
            self.task = Task { try await membership.run() }
        }

        func stop() async {
            await membership.shutdown()
            _ = await task.result
        }
    }

    static func start(
        _ name: String,
        seeds: [Endpoint] = [],
        keys: [String] = [key],
        label: String = "test",
        metadata: [UInt8] = []
    ) async throws -> Running {
        let configuration = Membership.Configuration(
            name: name,
            bindAddress: Endpoint(host: "127.0.0.1", port: 0),
            seeds: seeds,
            keyring: try Keyring(base64Keys: keys),
            label: label,
            settings: fastSettings(),
            metadata: metadata
        )
        return Running(try await Membership.bind(configuration: configuration))
    }

    /// Waits until `condition` holds, checking every 20 ms, for at most `seconds`.
    static func eventually(within seconds: Double = 15, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    static func states(_ member: Membership) -> [String: MemberState] {
        Dictionary(uniqueKeysWithValues: member.snapshot.members.map { ($0.name, $0.state) })
    }

    @Test func membersJoinThroughASeedAndSeeEachOthersMetadata() async throws {
        let a = try await Self.start("a", metadata: Array("role=node".utf8))
        let seed = [a.membership.advertisedEndpoint]
        let b = try await Self.start("b", seeds: seed)
        let c = try await Self.start("c", seeds: seed + [Endpoint(host: "127.0.0.1", port: 1)])
        let all = [a, b, c]
        let joined = try await Self.eventually {
            all.allSatisfy { running in
                let states = Self.states(running.membership)
                return ["a", "b", "c"].allSatisfy { states[$0] == .alive }
            }
        }
        #expect(joined)
        #expect(c.membership.snapshot.member(named: "a")?.metadata == Array("role=node".utf8))

        try a.membership.updateMetadata(Array("role=node;draining".utf8))
        let spread = try await Self.eventually {
            [b, c].allSatisfy {
                $0.membership.snapshot.member(named: "a")?.metadata == Array("role=node;draining".utf8)
            }
        }
        #expect(spread)
        for running in all { await running.stop() }
    }

    @Test func aStoppedMemberIsDeclaredDeadAndALeavingOneLeft() async throws {
        let a = try await Self.start("a")
        let events = a.membership.events()
        let seed = [a.membership.advertisedEndpoint]
        let b = try await Self.start("b", seeds: seed)
        let c = try await Self.start("c", seeds: seed)
        let d = try await Self.start("d", seeds: seed)
        let formed = try await Self.eventually {
            [a, b, c, d].allSatisfy { Self.states($0.membership).values.filter { $0 == .alive }.count == 4 }
        }
        #expect(formed)

        await d.stop()  // no goodbye: like a crash
        let detected = try await Self.eventually {
            [a, b, c].allSatisfy { Self.states($0.membership)["d"] == .dead }
        }
        #expect(detected)

        await c.membership.leave()
        _ = await c.task.result
        let left = try await Self.eventually {
            [a, b].allSatisfy { Self.states($0.membership)["c"] == .left }
        }
        #expect(left)

        await a.stop()
        await b.stop()
        var kinds: [String: [MembershipEvent.Kind]] = [:]
        for await event in events { kinds[event.member.name, default: []].append(event.kind) }
        #expect(kinds["d"]?.contains(.dead) == true)
        #expect(kinds["c"]?.last == .left)
        #expect(kinds["b"]?.first == .joined)
    }

    @Test func aMemberWithAnotherKeyOrLabelCannotJoinOrDisturb() async throws {
        let a = try await Self.start("a")
        let b = try await Self.start("b", seeds: [a.membership.advertisedEndpoint])
        let formed = try await Self.eventually { Self.states(a.membership)["b"] == .alive }
        #expect(formed)

        let otherKey = "YW5vdGhlci1nb3NzaXAta2V5LW9mLTMyLWJ5dGVzISE="
        let intruder = try await Self.start("intruder", seeds: [a.membership.advertisedEndpoint], keys: [otherKey])
        let plaintext = try await Self.start("plain", seeds: [a.membership.advertisedEndpoint], keys: [])
        let foreign = try await Self.start("foreign", seeds: [a.membership.advertisedEndpoint], label: "other")
        // Give the outsiders time to try (join retries, probes of what they know) and check the
        // cluster never learned of them, while they learned nothing of it.
        let rejected = try await Self.eventually(within: 10) {
            a.membership.transport.pushPullDrops.total >= 3
        }
        #expect(rejected)
        for outsider in [intruder, plaintext, foreign] {
            #expect(outsider.membership.snapshot.members.map(\.name) == [outsider.membership.name])
        }
        for insider in [a, b] {
            #expect(Set(insider.membership.snapshot.members.map(\.name)) == ["a", "b"])
            #expect(Self.states(insider.membership).values.allSatisfy { $0 == .alive })
        }
        for running in [a, b, intruder, plaintext, foreign] { await running.stop() }
    }

    @Test func keysRotateWhileRunningWithoutLosingMembers() async throws {
        let newKey = "bmV3LWdvc3NpcC1rZXktaW5zdGFsbGVkLWxhdGVyISE="
        let a = try await Self.start("a")
        let seed = [a.membership.advertisedEndpoint]
        let b = try await Self.start("b", seeds: seed)
        let c = try await Self.start("c", seeds: seed)
        let all = [a, b, c]
        func wholeAndAlive() -> Bool {
            all.allSatisfy { running in Self.states(running.membership).values.filter { $0 == .alive }.count == 3 }
        }
        #expect(try await Self.eventually { wholeAndAlive() })

        // install → use → remove, one member at a time, as an operator would roll it out.
        let steps = [[Self.key, newKey], [newKey, Self.key], [newKey]]
        for step in steps {
            for running in all {
                try running.membership.replaceKeyring(try Keyring(base64Keys: step))
            }
            // Several protocol periods under the new keys: nobody is suspected, nobody dies.
            let before = all.map { $0.membership.transport.datagramDrops.wrongKey }
            try await Task.sleep(for: .milliseconds(600))
            #expect(wholeAndAlive())
            #expect(all.map { $0.membership.transport.datagramDrops.wrongKey } == before)
        }
        #expect(throws: GossipSecurityError.self) { try a.membership.replaceKeyring(Keyring()) }

        // A member that still only has the retired key is now shut out.
        let stale = try await Self.start("stale", seeds: seed, keys: [Self.key])
        let shutOut = try await Self.eventually(within: 10) { a.membership.transport.pushPullDrops.wrongKey >= 1 }
        #expect(shutOut)
        #expect(Set(a.membership.snapshot.members.map(\.name)) == ["a", "b", "c"])
        for running in all + [stale] { await running.stop() }
    }
}
