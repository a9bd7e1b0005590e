/// Where each input of a request goes: one group (one sub-request) per chosen backend, inputs
/// keeping their original indices so the caller can gather the results in order.
public struct RoutePlan: Sendable, Hashable {
    /// The inputs sent to one backend in one sub-request.
    public struct Group: Sendable, Hashable {
        /// The backend's health-table index (also its `OutstandingCounters` index).
        public var backend: Int
        /// The backend's member name.
        public var backendName: String
        /// Where the backend's HTTP API listens, as `host:port`.
        public var httpAddress: String
        /// The backend's in-flight cap when planned (slow start lowers it): pass it to
        /// `OutstandingCounters.tryBegin(_:cap:)`, which enforces it exactly under concurrency.
        public var inFlightCap: Int
        /// Indices into the request's inputs, ascending.
        public var inputIndices: [Int]

        public init(backend: Int, backendName: String, httpAddress: String, inFlightCap: Int, inputIndices: [Int]) {
            self.backend = backend
            self.backendName = backendName
            self.httpAddress = httpAddress
            self.inFlightCap = inFlightCap
            self.inputIndices = inputIndices
        }
    }

    /// The sub-requests, ordered by their first input index.
    public var groups: [Group]

    public init(groups: [Group]) {
        self.groups = groups
    }

    /// The backends the plan uses, for excluding them on a retry.
    public var backends: Set<Int> { Set(groups.map(\.backend)) }

    /// Puts per-group results back in input order: each part pairs the input indices a
    /// sub-request carried with its results in the same order. Every index in `0..<inputCount`
    /// must be covered exactly once, else the answer is `mismatchedResults` (a backend that
    /// returns the wrong number of results is an error, never a crash).
    public static func gather<Value>(
        _ parts: some Sequence<(inputIndices: [Int], values: [Value])>,
        inputCount: Int
    ) throws(RoutingError) -> [Value] {
        var slots = [Value?](repeating: nil, count: max(inputCount, 0))
        var filled = 0
        for part in parts {
            guard part.inputIndices.count == part.values.count else {
                throw mismatch("a backend returned \(part.values.count) results for \(part.inputIndices.count) inputs")
            }
            for (index, value) in zip(part.inputIndices, part.values) {
                guard slots.indices.contains(index) else {
                    throw mismatch("input index \(index) is outside 0..<\(inputCount)")
                }
                guard slots[index] == nil else { throw mismatch("input \(index) has two results") }
                slots[index] = value
                filled += 1
            }
        }
        guard filled == slots.count else {
            throw mismatch("\(slots.count - filled) of \(slots.count) inputs have no result")
        }
        return slots.compactMap { $0 }
    }

    private static func mismatch(_ detail: String) -> RoutingError {
        RoutingError(code: .mismatchedResults, message: "The backends' results do not match the request: \(detail).")
    }
}
