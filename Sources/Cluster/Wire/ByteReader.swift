/// Reads the wire format's primitives with bounds checks; every failure is a `WireError`.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int
    private let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = start
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset == end }

    mutating func readByte(_ what: String) throws(WireError) -> UInt8 {
        guard offset < end else { throw WireError(.truncated, "packet ends before \(what)") }
        let byte = bytes[offset]
        offset += 1
        return byte
    }

    mutating func skip(_ count: Int, _ what: String) throws(WireError) {
        guard count >= 0, count <= remaining else { throw WireError(.truncated, "packet ends inside \(what)") }
        offset += count
    }

    mutating func readVarint(_ what: String) throws(WireError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte(what)
            if shift == 63 && byte > 1 {
                throw WireError(.invalidValue, "\(what) does not fit in 64 bits")
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            if shift > 63 { throw WireError(.invalidValue, "\(what) varint is longer than 10 bytes") }
        }
    }

    mutating func readVarint<T: FixedWidthInteger & UnsignedInteger>(
        _ type: T.Type,
        _ what: String
    ) throws(WireError) -> T {
        let value = try readVarint(what)
        guard let narrowed = T(exactly: value) else {
            throw WireError(.invalidValue, "\(what) \(value) is out of range")
        }
        return narrowed
    }

    /// Reads a length followed by that many bytes; `limit` bounds the length before anything is copied.
    mutating func readBytes(_ what: String, limit: Int) throws(WireError) -> [UInt8] {
        let length = try readVarint(what)
        guard length <= UInt64(limit) else {
            throw WireError(.tooLarge, "\(what) is \(length) bytes, the limit is \(limit)")
        }
        let count = Int(length)
        guard count <= remaining else { throw WireError(.truncated, "packet ends inside \(what)") }
        let value = Array(bytes[offset..<offset + count])
        offset += count
        return value
    }

    mutating func readString(_ what: String, limit: Int, allowEmpty: Bool = false) throws(WireError) -> String {
        let raw = try readBytes(what, limit: limit)
        guard allowEmpty || !raw.isEmpty else { throw WireError(.invalidValue, "\(what) is empty") }
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw WireError(.invalidValue, "\(what) is not valid UTF-8")
        }
        return text
    }

    mutating func readEndpoint(_ what: String) throws(WireError) -> Endpoint {
        let host = try readString("\(what) host", limit: WireFormat.maxHostLength)
        let port = try readVarint(UInt16.self, "\(what) port")
        return Endpoint(host: host, port: port)
    }
}
