public import Cluster
import Synchronization

/// What only a gateway counts, and its part of `/metrics`: per-backend in-flight requests, health
/// and ejection, retries, and gossip members by state; and the request windows the status page
/// shows (client requests, and sub-requests per backend, over the last ten seconds).
public final class GatewayStatistics: Sendable {
    private let retries = Atomic<Int>(0)
    /// One short lock per recorded request: a few stores into preallocated buckets, no allocation.
    private let traffic = Mutex(TrafficLedger())

    public init() {}

    /// A client request the gateway answered (`failed`: a 5xx or 429 answer), at directory time `now`.
    func recordClientRequest(at now: Duration, latency: Duration, failed: Bool) {
        traffic.withLock { $0.recordClientRequest(at: now, latency: latency, failed: failed) }
    }

    /// A sub-request to the backend at `index` ended (`failed`: it was not served).
    func recordBackendRequest(index: Int, name: String, at now: Duration, latency: Duration, failed: Bool) {
        traffic.withLock {
            $0.recordBackendRequest(index: index, name: name, at: now, latency: latency, failed: failed)
        }
    }

    /// The client window and each backend's window as of directory time `now`.
    public func trafficSummaries(at now: Duration) -> (gateway: TrafficSummary, backends: [String: TrafficSummary]) {
        traffic.withLock { ($0.gateway.summary(at: now), $0.backendSummaries(at: now)) }
    }

    /// A sub-request was sent again to another backend.
    func recordRetry() {
        retries.add(1, ordering: .relaxed)
    }

    public var retryCount: Int { retries.load(ordering: .relaxed) }

    /// The Prometheus families for the gateway's routing state.
    public func exposition(
        table: HealthTable,
        now: Duration,
        counters: OutstandingCounters,
        membership: MembershipSnapshot
    ) -> String {
        var out = PrometheusText()
        let backends = table.backends.enumerated().compactMap { index, backend in backend.map { (index, $0) } }
            .sorted { $0.1.name < $1.1.name }

        out.family("murmur_backend_in_flight", kind: .gauge, help: "Requests in flight to each backend node.")
        for (index, backend) in backends {
            out.sample(
                "murmur_backend_in_flight", labels: ["backend": backend.name], value: counters.outstanding(index))
        }
        out.family(
            "murmur_backend_up",
            kind: .gauge,
            help: "1 when the backend takes new requests (gossip ready, checks passing, not ejected)."
        )
        for (index, backend) in backends {
            out.sample(
                "murmur_backend_up",
                labels: ["backend": backend.name],
                value: table.isEligible(index, at: now) ? 1 : 0
            )
        }
        out.family(
            "murmur_backend_ejected", kind: .gauge, help: "1 while passive outlier detection ejects the backend.")
        for (_, backend) in backends {
            out.sample(
                "murmur_backend_ejected", labels: ["backend": backend.name], value: backend.isEjected(at: now) ? 1 : 0)
        }
        out.family(
            "murmur_backend_weight",
            kind: .gauge,
            help: "The backend's routing weight (ramps from 0.1 to 1 during slow start)."
        )
        for (index, backend) in backends {
            out.sample("murmur_backend_weight", labels: ["backend": backend.name], value: table.weight(index, at: now))
        }
        out.family("murmur_gateway_retries_total", kind: .counter, help: "Sub-requests sent again to another backend.")
        out.sample("murmur_gateway_retries_total", value: retryCount)
        out.family(
            "murmur_gateway_retries_in_flight", kind: .gauge, help: "Retries in flight (the retry budget's use).")
        out.sample("murmur_gateway_retries_in_flight", value: counters.activeRetries)
        out.family("murmur_gossip_members", kind: .gauge, help: "Members this gateway knows, by gossip state.")
        for state in [MemberState.alive, .suspect, .dead, .left] {
            out.sample(
                "murmur_gossip_members", labels: ["state": state.description], value: membership.count(in: state))
        }
        return out.text
    }
}
