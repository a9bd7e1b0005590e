/// The gateway's request windows: one for the client requests it answered and one per backend for
/// the sub-requests it sent there.
///
/// Backends are kept by the health table's backend index, with the name they had when recorded:
/// an index reused by another backend starts a fresh window, so one node's figures never leak into
/// another's. Storage grows only when an index is first seen; recording allocates nothing after.
public struct TrafficLedger: Sendable {
    private struct BackendWindow: Sendable {
        var name: String
        var window: RequestWindow
    }

    /// Client requests answered by the gateway.
    public private(set) var gateway: RequestWindow
    private var backends: [BackendWindow?] = []

    /// A ledger whose gateway window starts at `origin`.
    public init(origin: Duration = .zero) {
        gateway = RequestWindow(origin: origin)
    }

    /// Records a client request the gateway answered.
    public mutating func recordClientRequest(at time: Duration, latency: Duration, failed: Bool) {
        gateway.record(at: time, latency: latency, failed: failed)
    }

    /// Records a sub-request sent to the backend at `index` (called `name`).
    public mutating func recordBackendRequest(
        index: Int,
        name: String,
        at time: Duration,
        latency: Duration,
        failed: Bool
    ) {
        guard index >= 0 else { return }
        if index >= backends.count {
            backends.append(contentsOf: repeatElement(nil, count: index - backends.count + 1))
        }
        if backends[index]?.name != name {
            // The backend may have had another index before it left and came back.
            for other in backends.indices where backends[other]?.name == name { backends[other] = nil }
            backends[index] = BackendWindow(name: name, window: RequestWindow(origin: time))
        }
        backends[index]?.window.record(at: time, latency: latency, failed: failed)
    }

    /// Each backend's window at `time`, by name (backends never sent a request are absent).
    public func backendSummaries(at time: Duration) -> [String: TrafficSummary] {
        var summaries: [String: TrafficSummary] = [:]
        for entry in backends {
            guard let entry else { continue }
            summaries[entry.name] = entry.window.summary(at: time)
        }
        return summaries
    }
}
