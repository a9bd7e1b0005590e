/// Appends the wire format's primitives (bytes, LEB128 varints, length-prefixed strings) to a buffer.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write(_ byte: UInt8) {
        bytes.append(byte)
    }

    mutating func writeVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    mutating func writeBytes(_ value: [UInt8]) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeString(_ value: String) {
        writeVarint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func writeEndpoint(_ endpoint: Endpoint) {
        writeString(endpoint.host)
        writeVarint(UInt64(endpoint.port))
    }

    /// The number of bytes `writeVarint(value)` appends.
    static func varintSize(_ value: UInt64) -> Int {
        var size = 1
        var remaining = value >> 7
        while remaining != 0 {
            size += 1
            remaining >>= 7
        }
        return size
    }
}
