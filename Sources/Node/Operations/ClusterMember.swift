/// One member of a `/cluster` document, decoded leniently: every field beyond `name` may be missing
/// or null (older gateways, members whose metadata has not arrived yet), and unknown words are kept.
struct ClusterMember: Hashable, Sendable {
    /// The SWIM state as the answering process sees it.
    enum State: Hashable, Sendable, CustomStringConvertible {
        case alive
        case suspect
        case dead
        case left
        /// A word this build does not know, kept as sent.
        case other(String)

        init(word: String) {
            switch word {
            case "alive": self = .alive
            case "suspect": self = .suspect
            case "dead": self = .dead
            case "left": self = .left
            default: self = .other(word)
            }
        }

        var description: String {
            switch self {
            case .alive: "alive"
            case .suspect: "suspect"
            case .dead: "dead"
            case .left: "left"
            case .other(let word): word
            }
        }
    }

    /// Whether the member takes traffic, as the answering process judges it.
    enum Health: Hashable, Sendable, CustomStringConvertible {
        case up
        case down
        case draining
        case starting
        /// A word this build does not know, kept as sent.
        case other(String)

        init(word: String) {
            switch word {
            case "up": self = .up
            case "down": self = .down
            case "draining": self = .draining
            case "starting": self = .starting
            default: self = .other(word)
            }
        }

        var description: String {
            switch self {
            case .up: "up"
            case .down: "down"
            case .draining: "draining"
            case .starting: "starting"
            case .other(let word): word
            }
        }
    }

    var name: String
    /// `node` or `gateway`; nil before the member's metadata is known.
    var role: String?
    var state: State?
    var incarnation: Int?
    /// The HTTP address, `host:port`.
    var http: String?
    /// The gossip address, `host:port`.
    var gossip: String?
    var health: Health?
    var inFlight: Int?
    var queueDepth: Int?
    var models: [String] = []
    var version: String?
    /// When the member's process started, in unix seconds.
    var startedAt: Double?
    /// How long the member's process has run, in seconds.
    var uptimeSeconds: Double?
    /// Requests per second the answering gateway sent this member recently.
    var requestsPerSecond: Double?
    /// Median latency of those requests, in milliseconds.
    var p50Milliseconds: Double?
    /// 99th percentile latency of those requests, in milliseconds.
    var p99Milliseconds: Double?
    /// The share (0…1) of the ring this member owns.
    var ringShare: Double?
    /// The share (0…1) of the member's recent embedding-cache lookups that hit; nil when it made too
    /// few lookups to tell, has no cache, or the answering version does not report it.
    var cacheHitRate: Double?

    init(name: String) {
        self.name = name
    }

    var isNode: Bool { role == "node" }
    var isGateway: Bool { role == "gateway" }
}
