/// Membership updates waiting to be piggybacked, each sent a bounded number of times.
///
/// There is at most one queued update per member: a newer update about a member replaces the older
/// one (it supersedes it by SWIM precedence, or the core would not have accepted it). Updates that
/// have been sent least are sent first, and among those the newest first, as memberlist's queue does.
struct BroadcastQueue: Sendable {
    struct Item: Sendable {
        let subject: String
        let framed: [UInt8]
        let order: UInt64
        var transmits: Int
    }

    private var items: [String: Item] = [:]
    private var nextOrder: UInt64 = 0

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }

    /// Queues `message`, replacing anything queued about the same member.
    mutating func enqueue(_ message: SWIMMessage) {
        guard let subject = message.subject else { return }
        nextOrder += 1
        items[subject] = Item(subject: subject, framed: message.encoded(), order: nextOrder, transmits: 0)
    }

    /// Takes updates that fit in `budget` bytes, counts one transmission for each, and drops those
    /// that reached `limit` transmissions; at most `maxCount` updates.
    mutating func take(budget: Int, limit: Int, maxCount: Int = WireFormat.maxMessagesPerPacket) -> [[UInt8]] {
        guard !items.isEmpty, budget > 0, maxCount > 0 else { return [] }
        let ordered = items.values.sorted { lhs, rhs in
            lhs.transmits != rhs.transmits ? lhs.transmits < rhs.transmits : lhs.order > rhs.order
        }
        var remaining = budget
        var chosen: [[UInt8]] = []
        for item in ordered {
            if item.framed.count > remaining { continue }
            remaining -= item.framed.count
            chosen.append(item.framed)
            if item.transmits + 1 >= limit {
                items[item.subject] = nil
            } else {
                items[item.subject]?.transmits += 1
            }
            if remaining < 8 || chosen.count == maxCount { break }
        }
        return chosen
    }

    /// Transmissions so far of the update queued about `subject`, if any (for tests and diagnostics).
    func transmits(of subject: String) -> Int? {
        items[subject]?.transmits
    }
}
