/// Standard base64 (RFC 4648 §4, with padding) for embeddings: a row of floats is written as its
/// little-endian IEEE 754 float32 bytes, which is what OpenAI's clients decode.
public enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Appends the base64 text of `floats`' little-endian float32 bytes.
    public static func appendLittleEndian(_ floats: UnsafeBufferPointer<Float>, to out: inout [UInt8]) {
        var pending: UInt32 = 0
        var pendingCount = 0
        for value in floats {
            // Least significant byte first, whatever the host's byte order.
            let bits = value.bitPattern
            for shift in stride(from: UInt32(0), to: 32, by: 8) {
                pending = (pending << 8 | (bits >> shift & 0xFF)) & 0x00FF_FFFF
                pendingCount += 1
                if pendingCount == 3 {
                    appendQuantum(pending, to: &out)
                    pending = 0
                    pendingCount = 0
                }
            }
        }
        switch pendingCount {
        case 1:
            let value = pending << 16
            out.append(alphabet[Int(value >> 18 & 0x3F)])
            out.append(alphabet[Int(value >> 12 & 0x3F)])
            out.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "=")])
        case 2:
            let value = pending << 8
            out.append(alphabet[Int(value >> 18 & 0x3F)])
            out.append(alphabet[Int(value >> 12 & 0x3F)])
            out.append(alphabet[Int(value >> 6 & 0x3F)])
            out.append(UInt8(ascii: "="))
        default:
            break
        }
    }

    private static func appendQuantum(_ value: UInt32, to out: inout [UInt8]) {
        out.append(alphabet[Int(value >> 18 & 0x3F)])
        out.append(alphabet[Int(value >> 12 & 0x3F)])
        out.append(alphabet[Int(value >> 6 & 0x3F)])
        out.append(alphabet[Int(value & 0x3F)])
    }
}

extension Base64 {
    /// Decodes standard padded base64 of little-endian float32 values; `nil` when the text is not
    /// base64 or its byte count is not a multiple of 4.
    public static func decodeLittleEndianFloats(_ text: String) -> [Float]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 4 * 3)
        var index = 0
        while index < utf8.count {
            var quantum: UInt32 = 0
            var padding = 0
            for offset in 0..<4 {
                let character = utf8[index + offset]
                let value: UInt8
                switch character {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = character - UInt8(ascii: "A")
                case UInt8(ascii: "a")...UInt8(ascii: "z"): value = character - UInt8(ascii: "a") + 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0") + 52
                case UInt8(ascii: "+"): value = 62
                case UInt8(ascii: "/"): value = 63
                case UInt8(ascii: "=") where index + 4 == utf8.count && offset >= 2:
                    padding += 1
                    value = 0
                default: return nil
                }
                // Nothing but padding may follow padding.
                if padding > 0 && character != UInt8(ascii: "=") { return nil }
                quantum = quantum << 6 | UInt32(value)
            }
            let produced = 3 - padding
            for byteIndex in 0..<produced {
                bytes.append(UInt8(truncatingIfNeeded: quantum >> UInt32(16 - 8 * byteIndex)))
            }
            index += 4
        }
        guard bytes.count % 4 == 0 else { return nil }
        return stride(from: 0, to: bytes.count, by: 4).map { offset in
            let bits =
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
            return Float(bitPattern: bits)
        }
    }
}
