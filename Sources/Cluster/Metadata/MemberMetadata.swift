/// What a member tells the cluster about itself, gossiped with its membership as opaque bytes.
///
/// The membership core never looks inside: it carries `encoded()` (at most
/// `MemberMetadata.maxEncodedSize` bytes) and hands the bytes of other members to
/// `MemberMetadata(decoding:)`. The gateway reads role, address, models, state and load from it.
public struct MemberMetadata: Sendable, Hashable {
    /// What a member does in the cluster.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        /// A replica serving models over HTTP.
        case node
        /// A gateway routing requests to nodes; serves no model.
        case gateway
    }

    /// Whether a member accepts new work.
    public enum ServingState: String, Sendable, Hashable, CaseIterable {
        /// Up but not ready (loading a model).
        case starting
        /// Accepting requests.
        case ready
        /// Finishing in-flight work before exiting; send nothing new.
        case draining
    }

    /// A summary of how busy a member is, refreshed with each metadata update.
    public struct Load: Sendable, Hashable {
        /// Requests being processed now.
        public var inFlight: Int
        /// Requests waiting for a batch slot.
        public var queueDepth: Int

        public init(inFlight: Int = 0, queueDepth: Int = 0) {
            self.inFlight = inFlight
            self.queueDepth = queueDepth
        }
    }

    /// The format this build writes. Readers accept any version from 1 up: newer versions only add
    /// fields, which older readers skip.
    public static let currentFormatVersion: UInt8 = 1

    /// The hard limit on the encoded size; encoding more is an error, never a truncation.
    public static let maxEncodedSize = 512

    /// What the member does.
    public var role: Role
    /// Where its HTTP API listens, as `host:port`.
    public var httpAddress: String
    /// The models it serves, in its preferred order (empty for a gateway).
    public var models: [String]
    /// Whether it takes new work.
    public var servingState: ServingState
    /// How busy it is.
    public var load: Load
    /// The Murmur version it runs.
    public var softwareVersion: String
    /// The metadata format the value was decoded from (`currentFormatVersion` for new values).
    public internal(set) var formatVersion: UInt8

    public init(
        role: Role,
        httpAddress: String,
        models: [String] = [],
        servingState: ServingState = .starting,
        load: Load = Load(),
        softwareVersion: String = MurmurVersion.current
    ) {
        self.role = role
        self.httpAddress = httpAddress
        self.models = models
        self.servingState = servingState
        self.load = load
        self.softwareVersion = softwareVersion
        self.formatVersion = Self.currentFormatVersion
    }
}
