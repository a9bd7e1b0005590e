import NIOCore
import Synchronization
import Testing

@testable import Cluster

/// Seeds given by name (a Kubernetes headless service) are looked up afresh on every join
/// attempt, outside any lock, and our own address among the answers is skipped.
@Suite struct SeedResolutionTests {
    struct NoSuchHost: Error {}

    @Test func literalsAreNotLookedUpAndNamesGiveEveryAddressOnce() throws {
        let lookups = Mutex(0)
        let first = try SocketAddress(ipAddress: "10.1.0.7", port: 7946)
        let second = try SocketAddress(ipAddress: "10.1.0.9", port: 7946)
        let resolver = HostResolver { host, port in
            lookups.withLock { $0 += 1 }
            #expect(host == "murmur-gossip.default.svc")
            #expect(port == 7946)
            return [first, second, first]
        }
        #expect(
            try resolver.resolve(Endpoint(host: "10.0.0.1", port: 7000)) == [
                try SocketAddress(ipAddress: "10.0.0.1", port: 7000)
            ])
        #expect(lookups.withLock { $0 } == 0)
        #expect(try resolver.resolve(Endpoint(host: "murmur-gossip.default.svc", port: 7946)) == [first, second])
        #expect(lookups.withLock { $0 } == 1)

        let empty = HostResolver { _, _ in [] }
        #expect(throws: TransportError.self) { try empty.resolve(Endpoint(host: "nobody.example", port: 1)) }
        let failing = HostResolver { _, _ in throw NoSuchHost() }
        #expect(throws: TransportError.self) { try failing.resolve(Endpoint(host: "nobody.example", port: 1)) }
    }

    @Test func theSystemResolverFindsLocalhost() throws {
        let addresses = try HostResolver.system.resolve(Endpoint(host: "localhost", port: 7946))
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0.port == 7946 })
    }

    /// The service has no ready pod at first, then only this member, then this member and `a`: the
    /// member joins `a` on the third attempt. Had the name been resolved once (or our own address
    /// been taken for a seed), it would wait for the next push-pull, a minute away here.
    @Test func aSeedNameIsResolvedAgainOnEveryJoinAttemptAndOurOwnAddressIsSkipped() async throws {
        let a = try await MembershipTests.start("a")
        let serviceName = "murmur-gossip.default.svc.cluster.local"
        let aAddress = a.membership.transport.localAddress
        let ownAddress = Mutex<SocketAddress?>(nil)
        let lookups = Mutex<[String]>([])
        let resolver = HostResolver { host, _ in
            let attempt = lookups.withLock { lookups in
                lookups.append(host)
                return lookups.count
            }
            let own = ownAddress.withLock { $0 }.map { [$0] } ?? []
            switch attempt {
            case 1: throw NoSuchHost()
            case 2: return own
            default: return own + [aAddress]
            }
        }
        var settings = MembershipTests.fastSettings()
        settings.pushPullInterval = .seconds(60)
        let configuration = Membership.Configuration(
            name: "b",
            bindAddress: Endpoint(host: "127.0.0.1", port: 0),
            seeds: [Endpoint(host: serviceName, port: 7946)],
            keyring: try Keyring(base64Keys: [MembershipTests.key]),
            label: "test",
            settings: settings,
            resolver: resolver
        )
        let membership = try await Membership.bind(configuration: configuration)
        ownAddress.withLock { $0 = membership.transport.localAddress }
        let b = MembershipTests.Running(membership)
        let joined = try await MembershipTests.eventually(within: 10) {
            MembershipTests.states(a.membership)["b"] == .alive && MembershipTests.states(b.membership)["a"] == .alive
        }
        #expect(joined)
        let looked = lookups.withLock { $0 }
        #expect(looked.count >= 3, "\(looked)")
        #expect(looked.allSatisfy { $0 == serviceName })
        await b.stop()
        await a.stop()
    }
}
