import Synchronization

/// Lock-free counters behind `DropCounts`, bumped from event-loop threads and read from anywhere.
final class DropCounters: Sendable {
    private let oversized = Atomic<Int>(0)
    private let truncated = Atomic<Int>(0)
    private let unknownVersion = Atomic<Int>(0)
    private let badLabel = Atomic<Int>(0)
    private let wrongKey = Atomic<Int>(0)
    private let unencrypted = Atomic<Int>(0)
    private let encryptedWithoutKeys = Atomic<Int>(0)
    private let backlogFull = Atomic<Int>(0)

    func recordOversized() { oversized.add(1, ordering: .relaxed) }

    func recordBacklogFull() { backlogFull.add(1, ordering: .relaxed) }

    func record(_ reason: PacketOpenError.Reason) {
        switch reason {
        case .truncated: truncated.add(1, ordering: .relaxed)
        case .unknownVersion: unknownVersion.add(1, ordering: .relaxed)
        case .badLabel: badLabel.add(1, ordering: .relaxed)
        case .wrongKey: wrongKey.add(1, ordering: .relaxed)
        case .unencrypted: unencrypted.add(1, ordering: .relaxed)
        case .encryptedWithoutKeys: encryptedWithoutKeys.add(1, ordering: .relaxed)
        }
    }

    func snapshot() -> DropCounts {
        var counts = DropCounts()
        counts.oversized = oversized.load(ordering: .relaxed)
        counts.truncated = truncated.load(ordering: .relaxed)
        counts.unknownVersion = unknownVersion.load(ordering: .relaxed)
        counts.badLabel = badLabel.load(ordering: .relaxed)
        counts.wrongKey = wrongKey.load(ordering: .relaxed)
        counts.unencrypted = unencrypted.load(ordering: .relaxed)
        counts.encryptedWithoutKeys = encryptedWithoutKeys.load(ordering: .relaxed)
        counts.backlogFull = backlogFull.load(ordering: .relaxed)
        return counts
    }
}
