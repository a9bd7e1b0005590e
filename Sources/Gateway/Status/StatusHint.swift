/// Advice for an operator derived from the status document: what looks wrong or close to a limit,
/// and what to do about it.
public struct StatusHint: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case info
        case warning
        case critical

        private var rank: Int {
            switch self {
            case .info: 0
            case .warning: 1
            case .critical: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    public var severity: Severity
    /// The member concerned; nil for the cluster as a whole.
    public var member: String?
    public var message: String

    public init(_ severity: Severity, member: String? = nil, _ message: String) {
        self.severity = severity
        self.member = member
        self.message = message
    }
}

extension StatusHint {
    /// The hints for a document's members (and, on a gateway, its own traffic), most severe first;
    /// a pure function of its inputs.
    public static func hints(
        members: [MemberStatus],
        gateway: TrafficSummary?,
        limits: SaturationLimits
    ) -> [StatusHint] {
        var hints: [StatusHint] = []
        let nodes = members.filter(\.isNode)
        let healthy = nodes.filter { $0.health == "up" && $0.state == "alive" }
        if nodes.isEmpty {
            hints.append(
                StatusHint(
                    .critical,
                    "No node has joined the cluster: start one with `murmur node --seeds <a member's gossip address>`."
                ))
        } else if healthy.isEmpty {
            hints.append(
                StatusHint(
                    .critical,
                    "No healthy node: requests fail with 503 until a node is up. Check the nodes' logs and restart them."
                ))
        } else if healthy.count == 1 {
            hints.append(
                StatusHint(
                    .warning,
                    member: healthy[0].name,
                    "Only \(healthy[0].name) is healthy: there is no redundancy, and losing it stops serving. "
                        + "Bring the other nodes back or add a node."
                ))
        }
        for node in nodes {
            hints.append(contentsOf: memberHints(node, limits: limits))
        }
        if let gateway, gateway.requests > 0, gateway.failures > 0 {
            let percent = Double(gateway.failures) * 100 / Double(gateway.requests)
            hints.append(
                StatusHint(
                    percent >= 5 ? .critical : .warning,
                    "\(format(percent))% of requests failed in the last 10 s: see the nodes' health and the "
                        + "gateway log; 429s mean the cluster is overloaded (add a node)."
                ))
        }
        let versions = Set(members.compactMap(\.version).filter { !$0.isEmpty })
        if versions.count > 1 {
            hints.append(
                StatusHint(
                    .info,
                    "Members run different versions (\(versions.sorted().joined(separator: ", "))): "
                        + "finish the rolling upgrade."
                ))
        }
        return hints.enumerated().sorted { left, right in
            left.element.severity != right.element.severity
                ? left.element.severity > right.element.severity : left.offset < right.offset
        }.map(\.element)
    }

    private static func memberHints(_ node: MemberStatus, limits: SaturationLimits) -> [StatusHint] {
        var hints: [StatusHint] = []
        let name = node.name
        switch (node.state, node.health) {
        case ("dead", _):
            hints.append(
                StatusHint(
                    .critical, member: name,
                    "\(name) is dead: it stopped answering gossip probes. Check its log and restart it."))
        case ("left", _):
            hints.append(StatusHint(.info, member: name, "\(name) left the cluster."))
        case ("suspect", _):
            hints.append(
                StatusHint(
                    .warning, member: name,
                    "\(name) is suspect: it missed gossip probes and is declared dead if it does not answer soon. "
                        + "Check its host and network."
                ))
        case (_, "down"):
            hints.append(
                StatusHint(
                    .warning, member: name,
                    "\(name) is alive in gossip but failing health checks or ejected after errors: "
                        + "the gateway sends it nothing. Check its /ready and its log."
                ))
        case (_, "draining"):
            hints.append(
                StatusHint(
                    .info, member: name,
                    "\(name) is draining and takes no new requests (POST /admin/resume on it to undo)."))
        case (_, "starting"):
            hints.append(StatusHint(.info, member: name, "\(name) is starting (loading its models)."))
        default:
            break
        }
        guard node.state == "alive" || node.state == "suspect" else { return hints }
        if let hint = loadHint(
            node, value: node.queueDepth, limit: limits.maxQueuedTexts, fraction: limits.warningFraction,
            what: "texts queued",
            advice: "add a node or raise node.max_queued_texts (past it the node answers 429)")
        {
            hints.append(hint)
        }
        if let hint = loadHint(
            node, value: node.inFlight, limit: limits.maxInFlightPerBackend, fraction: limits.warningFraction,
            what: "requests in flight",
            advice: "add a node (past the gateway's per-node cap requests are answered 429)")
        {
            hints.append(hint)
        }
        hints.append(contentsOf: cacheHints(node, limits: limits))
        return hints
    }

    /// A queue at or above this fraction of its limit is worth explaining with the cache's hit rate.
    static let busyQueueFraction = 0.5
    /// Below this hit rate a busy node's load is mostly new texts.
    static let lowCacheHitRate = 0.2
    /// A cache that found nothing over at least this many lookups is worth a word.
    static let idleCacheLookups = 1_000

    /// Hints from a node's recent cache hit rate: a busy queue the cache cannot relieve (add a
    /// node), or a cache that never hits (it costs memory and helps no request). Only nodes that
    /// report a hit rate are judged; a node without a cache makes no lookups and reports none.
    private static func cacheHints(_ node: MemberStatus, limits: SaturationLimits) -> [StatusHint] {
        var hints: [StatusHint] = []
        guard let rate = node.cacheHitRate else { return hints }
        let name = node.name
        let limit = limits.maxQueuedTexts
        if limit > 0, Double(node.queueDepth) >= busyQueueFraction * Double(limit), rate < lowCacheHitRate {
            hints.append(
                StatusHint(
                    .warning, member: name,
                    "\(name) has \(node.queueDepth) texts queued (\(format(Double(node.queueDepth) * 100 / Double(limit)))% "
                        + "of its limit) and only \(format(rate * 100))% of its recent cache lookups hit: most texts "
                        + "are new, so caching cannot absorb this load; add a node."
                ))
        }
        if rate == 0, node.cacheLookups >= idleCacheLookups {
            hints.append(
                StatusHint(
                    .info, member: name,
                    "\(name) found none of its last \(node.cacheLookups) texts in its embedding cache: if texts do "
                        + "not repeat, node.cache_max_entries = 0 frees its memory; if they do, raise "
                        + "node.cache_max_entries and node.cache_max_bytes so entries last until they come back."
                ))
        }
        return hints
    }

    private static func loadHint(
        _ node: MemberStatus,
        value: Int,
        limit: Int,
        fraction: Double,
        what: String,
        advice: String
    ) -> StatusHint? {
        guard limit > 0, Double(value) >= fraction * Double(limit) else { return nil }
        return StatusHint(
            value >= limit ? .critical : .warning,
            member: node.name,
            "\(node.name) has \(value) \(what), \(format(Double(value) * 100 / Double(limit)))% of its limit of "
                + "\(limit): \(advice)."
        )
    }

    private static func format(_ percent: Double) -> String {
        let rounded = (percent * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
