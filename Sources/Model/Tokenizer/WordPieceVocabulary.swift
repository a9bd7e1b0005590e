/// A read-only map from UTF-8 byte strings to token ids, looked up by byte slice.
///
/// Tokenizing probes the vocabulary once per candidate piece (greedy longest match tries every
/// shorter prefix of a word), so the lookup must not build a `String` per probe. Keys live
/// back to back in one byte array; an open-addressing table of entry indexes (linear probing,
/// FNV-1a hash, load factor at most one half) finds them.
struct WordPieceVocabulary: Sendable {
    /// `bytes[keyStarts[i] ..< keyStarts[i + 1]]` is the key of entry `i`.
    private var bytes: [UInt8] = []
    private var keyStarts: [Int32] = [0]
    private var values: [Int32] = []
    /// Entry index + 1 per slot, 0 for an empty slot; the count is a power of two.
    private var slots: [Int32] = []

    /// The byte length of the longest key: no longer piece can match, so probing starts there.
    private(set) var maxKeyLength = 0

    /// Builds the table; when a key repeats, the later value wins (as a Rust `HashMap::insert`
    /// does when Hugging Face `tokenizers` reads `vocab.txt`).
    init(_ entries: [(key: [UInt8], value: Int32)]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity *= 2 }
        slots = [Int32](repeating: 0, count: capacity)
        values.reserveCapacity(entries.count)
        for (key, value) in entries {
            if let existing = key.withUnsafeBufferPointer({ find($0) }) {
                values[Int(existing)] = value
                continue
            }
            bytes.append(contentsOf: key)
            keyStarts.append(Int32(bytes.count))
            values.append(value)
            maxKeyLength = max(maxKeyLength, key.count)
            var slot = Self.hash(key) & (capacity - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(values.count)
        }
    }

    /// The id of the token spelled by `key`, or nil.
    @inline(__always)
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let entry = find(key) else { return nil }
        return values[Int(entry)]
    }

    /// The entry index holding `key`, or nil.
    @inline(__always)
    private func find(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let mask = slots.count - 1
        var slot = Self.hash(key) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            let start = Int(keyStarts[entry - 1])
            let end = Int(keyStarts[entry])
            if end - start == key.count && bytesEqual(start, key) { return Int32(entry - 1) }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private func bytesEqual(_ start: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < key.count {
            if bytes[start + index] != key[index] { return false }
            index += 1
        }
        return true
    }

    @inline(__always)
    private static func hash<Bytes: Sequence>(_ key: Bytes) -> Int where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}
