import Foundation

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
    ///
    /// The cache counters cover the member's recent past (since its previous publication), not its
    /// whole life, so a rate read from them follows the traffic of the last few seconds; readers
    /// should not trust a rate over a handful of lookups. Invariant: `0 <= cacheHits <= cacheLookups`.
    public struct Load: Sendable, Hashable {
        /// Requests being processed now.
        public var inFlight: Int
        /// Requests waiting for a batch slot.
        public var queueDepth: Int
        /// Embedding-cache lookups (one per input text) since the previous publication; 0 for a
        /// member without a cache or from a version before 3.
        public var cacheLookups: Int
        /// How many of those lookups found the text's embedding in the cache.
        public var cacheHits: Int

        public init(inFlight: Int = 0, queueDepth: Int = 0, cacheLookups: Int = 0, cacheHits: Int = 0) {
            self.inFlight = inFlight
            self.queueDepth = queueDepth
            self.cacheLookups = cacheLookups
            self.cacheHits = cacheHits
        }
    }

    /// The format this build writes. Readers accept any version from 1 up: newer versions only add
    /// fields, which older readers skip. Version 2 added `startedAtMilliseconds`, version 3 the
    /// load's cache counters.
    public static let currentFormatVersion: UInt8 = 3

    /// When this process started, in milliseconds since the Unix epoch: read once, the first time
    /// metadata is created (at process start), so every later value of this process carries the
    /// same time and a restarted process (same name, new process) is told apart by a new one.
    public static let processStartedAtMilliseconds: Int64 = Int64(
        (Date().timeIntervalSince1970 * 1000).rounded(.down))

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
    /// When the member's process started, in milliseconds since the Unix epoch; nil when it sent
    /// no start time (format version 1).
    public var startedAtMilliseconds: Int64?
    /// The metadata format the value was decoded from (`currentFormatVersion` for new values).
    public internal(set) var formatVersion: UInt8

    public init(
        role: Role,
        httpAddress: String,
        models: [String] = [],
        servingState: ServingState = .starting,
        load: Load = Load(),
        softwareVersion: String = MurmurVersion.current,
        startedAtMilliseconds: Int64? = MemberMetadata.processStartedAtMilliseconds
    ) {
        self.role = role
        self.httpAddress = httpAddress
        self.models = models
        self.servingState = servingState
        self.load = load
        self.softwareVersion = softwareVersion
        self.startedAtMilliseconds = startedAtMilliseconds
        self.formatVersion = Self.currentFormatVersion
    }
}
