/// The single-threaded heart of `EmbeddingCache`: a dictionary from key to slot plus an intrusive
/// doubly-linked recency list threaded through an array of slots.
///
/// Invariants:
/// - `index[key] == i` exactly when `slots[i].key == key`; such slots are on the recency list,
///   `head` the most recently used, `tail` the least.
/// - Slots without a key are on the free list (linked through `next`) and are reused before the
///   array grows, so steady-state `get`/`put` allocate nothing beyond the stored values.
/// - `bytes` is the sum of `cost` over live slots, and never exceeds `maxBytes` after a `put`;
///   `index.count` never exceeds `maxEntries`.
struct LRUStorage: Sendable {
    struct Key: Hashable, Sendable {
        var model: String
        var text: String
    }

    private struct Slot: Sendable {
        var key: Key?
        var entry: EmbeddingCache.Entry
        var cost: Int
        var previous: Int
        var next: Int
    }

    /// Bytes charged per entry on top of its key and vector: dictionary bucket, slot fields and
    /// array headers, rounded up.
    static let entryOverhead = 128

    private static let none = -1

    let maxEntries: Int
    let maxBytes: Int
    private var index: [Key: Int] = [:]
    private var slots: [Slot] = []
    private var head = none
    private var tail = none
    private var freeHead = none

    private(set) var bytes = 0
    private(set) var hits = 0
    private(set) var misses = 0
    private(set) var evictions = 0

    init(maxEntries: Int, maxBytes: Int) {
        self.maxEntries = max(0, maxEntries)
        self.maxBytes = max(0, maxBytes)
    }

    var isEnabled: Bool { maxEntries > 0 && maxBytes > 0 }
    var count: Int { index.count }
    /// Slots allocated, live or free: stays at the peak entry count because freed slots are reused.
    var slotCount: Int { slots.count }

    /// What an entry costs against `maxBytes`.
    static func cost(of key: Key, _ entry: EmbeddingCache.Entry) -> Int {
        key.model.utf8.count + key.text.utf8.count + MemoryLayout<Float>.size * entry.vector.count + entryOverhead
    }

    /// Looks `key` up and, on a hit, makes it the most recently used entry.
    mutating func get(_ key: Key) -> EmbeddingCache.Entry? {
        guard isEnabled else { return nil }
        guard let slot = index[key] else {
            misses += 1
            return nil
        }
        hits += 1
        moveToFront(slot)
        return slots[slot].entry
    }

    /// Inserts or replaces `key`, evicting least recently used entries until both bounds hold. An
    /// entry larger than `maxBytes` on its own is not stored (and removes an older value for `key`).
    mutating func put(_ key: Key, _ entry: EmbeddingCache.Entry) {
        guard isEnabled else { return }
        let cost = Self.cost(of: key, entry)
        if let slot = index[key] {
            guard cost <= maxBytes else {
                remove(slot)
                return
            }
            bytes += cost - slots[slot].cost
            slots[slot].entry = entry
            slots[slot].cost = cost
            moveToFront(slot)
        } else {
            guard cost <= maxBytes else { return }
            while index.count >= maxEntries || bytes + cost > maxBytes, tail != Self.none {
                evictions += 1
                remove(tail)
            }
            let slot = allocateSlot(Slot(key: key, entry: entry, cost: cost, previous: Self.none, next: Self.none))
            index[key] = slot
            bytes += cost
            linkAtFront(slot)
        }
        while bytes > maxBytes, tail != Self.none, tail != head {
            evictions += 1
            remove(tail)
        }
    }

    /// Keys from most to least recently used (for tests and debugging).
    var keysByRecency: [Key] {
        var keys: [Key] = []
        var slot = head
        while slot != Self.none {
            if let key = slots[slot].key { keys.append(key) }
            slot = slots[slot].next
        }
        return keys
    }

    mutating func removeAll() {
        index.removeAll()
        slots.removeAll()
        head = Self.none
        tail = Self.none
        freeHead = Self.none
        bytes = 0
    }

    private mutating func allocateSlot(_ value: Slot) -> Int {
        guard freeHead != Self.none else {
            slots.append(value)
            return slots.count - 1
        }
        let slot = freeHead
        freeHead = slots[slot].next
        slots[slot] = value
        return slot
    }

    private mutating func remove(_ slot: Int) {
        unlink(slot)
        if let key = slots[slot].key { index[key] = nil }
        bytes -= slots[slot].cost
        slots[slot].key = nil
        slots[slot].entry = EmbeddingCache.Entry(vector: [], tokenCount: 0)
        slots[slot].cost = 0
        slots[slot].previous = Self.none
        slots[slot].next = freeHead
        freeHead = slot
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        linkAtFront(slot)
    }

    private mutating func linkAtFront(_ slot: Int) {
        slots[slot].previous = Self.none
        slots[slot].next = head
        if head != Self.none { slots[head].previous = slot }
        head = slot
        if tail == Self.none { tail = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let previous = slots[slot].previous
        let next = slots[slot].next
        if previous != Self.none { slots[previous].next = next } else { head = next }
        if next != Self.none { slots[next].previous = previous } else { tail = previous }
        slots[slot].previous = Self.none
        slots[slot].next = Self.none
    }
}
