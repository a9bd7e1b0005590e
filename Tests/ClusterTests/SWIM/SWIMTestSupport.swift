@testable import Cluster

/// Small helpers for driving one `SWIMInstance` by hand in unit tests.
enum SWIMTestSupport {
    static let origin = Duration.seconds(1000)

    static func endpoint(_ last: Int) -> Endpoint {
        Endpoint(host: "10.0.0.\(last)", port: 7946)
    }

    /// An instance named "me" at 10.0.0.1 that already knows `others` (named x1, x2, …) as alive.
    static func instance(
        knowing others: Int = 0,
        settings: SWIMSettings = SWIMSettings(),
        seed: UInt64 = 7
    ) throws -> SWIMInstance {
        var instance = try SWIMInstance(settings: settings, name: "me", endpoint: endpoint(1), seed: seed, now: origin)
        for index in 0..<others {
            _ = instance.onPacket(
                SWIMPacket(messages: [.alive(alive("x\(index + 1)", incarnation: 1, host: index + 2))]),
                from: endpoint(index + 2),
                now: origin
            )
        }
        // Drain the broadcasts queued by learning the members so tests see only their own effects.
        instance.broadcasts = BroadcastQueue()
        return instance
    }

    static func alive(_ name: String, incarnation: UInt64, host: Int, metadata: [UInt8] = []) -> SWIMMessage.Alive {
        SWIMMessage.Alive(name: name, incarnation: incarnation, endpoint: endpoint(host), metadata: metadata)
    }

    /// Every packet sent by `directives`, decoded, with its destination.
    static func sentPackets(_ directives: [SWIMDirective]) throws -> [(to: Endpoint, packet: SWIMPacket)] {
        var packets: [(to: Endpoint, packet: SWIMPacket)] = []
        for directive in directives {
            if case .send(let bytes, let destination) = directive {
                packets.append((destination, try SWIMPacket(decoding: bytes)))
            }
        }
        return packets
    }

    static func events(_ directives: [SWIMDirective]) -> [MembershipEvent] {
        directives.compactMap { directive in
            if case .event(let event) = directive { return event }
            return nil
        }
    }

    static func wakeUp(_ directives: [SWIMDirective]) -> Duration? {
        for directive in directives.reversed() {
            if case .wakeUp(let time) = directive { return time }
        }
        return nil
    }

    /// Ticks the instance at `now` and returns the directives.
    static func tick(_ instance: inout SWIMInstance, at now: Duration) -> [SWIMDirective] {
        instance.onTick(now: now)
    }
}
