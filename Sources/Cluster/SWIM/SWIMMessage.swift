/// One SWIM message. A UDP packet carries one or more of them (see `SWIMPacket`): the primary
/// message (ping, ack, ping-req, nack) followed by piggybacked membership updates.
public enum SWIMMessage: Hashable, Sendable {
    /// A direct probe. The receiver acks to `source.endpoint` if it is `target`.
    case ping(Ping)
    /// The answer to a ping (direct or relayed by a ping-req helper).
    case ack(sequence: UInt32)
    /// Ask the receiver to probe `target` on the sender's behalf.
    case pingRequest(PingRequest)
    /// A ping-req helper's answer saying its own probe of the target went unanswered (Lifeguard).
    case nack(sequence: UInt32)
    /// A membership update: the member is alive at this incarnation with this endpoint and metadata.
    case alive(Alive)
    /// A membership update: `from` suspects the member at this incarnation.
    case suspect(Suspect)
    /// A membership update: `from` declares the member dead; `from == name` means it left gracefully.
    case dead(Dead)

    /// The sender's identity as carried in pings and ping-reqs.
    public struct Source: Hashable, Sendable {
        public var name: String
        public var endpoint: Endpoint

        public init(name: String, endpoint: Endpoint) {
            self.name = name
            self.endpoint = endpoint
        }
    }

    public struct Ping: Hashable, Sendable {
        public var sequence: UInt32
        /// The name the sender believes it is probing; a process with another name must not ack.
        public var target: String
        public var source: Source

        public init(sequence: UInt32, target: String, source: Source) {
            self.sequence = sequence
            self.target = target
            self.source = source
        }
    }

    public struct PingRequest: Hashable, Sendable {
        public var sequence: UInt32
        public var target: String
        public var targetEndpoint: Endpoint
        public var source: Source
        /// Whether the requester wants a nack if the helper's probe goes unanswered.
        public var wantsNack: Bool

        public init(sequence: UInt32, target: String, targetEndpoint: Endpoint, source: Source, wantsNack: Bool) {
            self.sequence = sequence
            self.target = target
            self.targetEndpoint = targetEndpoint
            self.source = source
            self.wantsNack = wantsNack
        }
    }

    public struct Alive: Hashable, Sendable {
        public var name: String
        public var incarnation: UInt64
        public var endpoint: Endpoint
        public var metadata: [UInt8]

        public init(name: String, incarnation: UInt64, endpoint: Endpoint, metadata: [UInt8]) {
            self.name = name
            self.incarnation = incarnation
            self.endpoint = endpoint
            self.metadata = metadata
        }
    }

    public struct Suspect: Hashable, Sendable {
        public var name: String
        public var incarnation: UInt64
        public var from: String

        public init(name: String, incarnation: UInt64, from: String) {
            self.name = name
            self.incarnation = incarnation
            self.from = from
        }
    }

    public struct Dead: Hashable, Sendable {
        public var name: String
        public var incarnation: UInt64
        public var from: String

        public init(name: String, incarnation: UInt64, from: String) {
            self.name = name
            self.incarnation = incarnation
            self.from = from
        }

        /// A dead declared by the member itself is a graceful leave.
        public var isLeave: Bool { name == from }
    }

    /// The member a membership update is about (`nil` for ping, ack, ping-req and nack).
    var subject: String? {
        switch self {
        case .alive(let alive): alive.name
        case .suspect(let suspect): suspect.name
        case .dead(let dead): dead.name
        case .ping, .ack, .pingRequest, .nack: nil
        }
    }
}
