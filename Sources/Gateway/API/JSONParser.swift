public import NIOCore

/// A strict RFC 8259 JSON parser for request bodies that come from strangers.
///
/// It checks the whole body is valid UTF-8 first, refuses nesting deeper than `maxDepth` (so a body
/// of 100 000 `[` costs 65 stack frames, not 100 000), refuses `NaN`/`Infinity` and other literals
/// JSON does not have, lone surrogates in `\u` escapes, raw control characters in strings, and
/// anything but white space after the value. Every error names the byte offset it was found at.
public struct JSONParser: ~Copyable {
    /// The nesting limit used unless a caller asks otherwise: far beyond any real request.
    public static let defaultMaxDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var position = 0
    private var depth = 0

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Parses one JSON document that fills `bytes` (white space around it allowed).
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        if let bad = firstInvalidUTF8(bytes) {
            throw JSONParseError(offset: bad, reason: "invalid UTF-8")
        }
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhiteSpace()
        let value = try parser.parseValue()
        parser.skipWhiteSpace()
        guard parser.position == bytes.count else {
            throw JSONParseError(offset: parser.position, reason: "unexpected data after the JSON value")
        }
        return value
    }

    /// Parses the readable bytes of `buffer`.
    public static func parse(_ buffer: ByteBuffer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue
    {
        let result = buffer.withUnsafeReadableBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses `bytes`.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    // MARK: - Values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of the body; expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw error("unexpected \(describeByte(at: position)); expected a value")
        }
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw error("JSON nested deeper than \(maxDepth) levels") }
        position += 1
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var members: [JSONMember] = []
        skipWhiteSpace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhiteSpace()
            guard peek() == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeByte(at: position)); expected a member name in quotes")
            }
            let key = try parseString()
            skipWhiteSpace()
            guard peek() == UInt8(ascii: ":") else {
                throw error("unexpected \(describeByte(at: position)); expected ':' after a member name")
            }
            position += 1
            skipWhiteSpace()
            let value = try parseValue()
            members.append(JSONMember(key: key, value: value))
            skipWhiteSpace()
            switch peek() {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(members)
            default:
                throw error("unexpected \(describeByte(at: position)); expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        skipWhiteSpace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhiteSpace()
            elements.append(try parseValue())
            skipWhiteSpace()
            switch peek() {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(elements)
            default:
                throw error("unexpected \(describeByte(at: position)); expected ',' or ']' in an array")
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let start = position
        for index in 0..<count {
            guard start + index < bytes.count, bytes[start + index] == literal.utf8Start[index] else {
                throw error("unexpected \(describeByte(at: start)); expected a value")
            }
        }
        position += count
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        switch peek() {
        case UInt8(ascii: "0"):
            position += 1
            if let next = peek(), isDigit(next) {
                throw error("a number may not have a leading zero")
            }
        case .some(let digit) where isDigit(digit):
            skipDigits()
        default:
            throw error("unexpected \(describeByte(at: position)); expected a digit")
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard let digit = peek(), isDigit(digit) else {
                throw error("unexpected \(describeByte(at: position)); expected a digit after '.'")
            }
            skipDigits()
        }
        if let e = peek(), e | 0x20 == UInt8(ascii: "e") {
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek(), isDigit(digit) else {
                throw error("unexpected \(describeByte(at: position)); expected a digit in the exponent")
            }
            skipDigits()
        }
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        return JSONNumber(literal: literal)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    // MARK: - Strings

    /// Parses a string starting at its opening quote. The body is valid UTF-8 (checked up front),
    /// so runs without escapes are copied as they are.
    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("a raw control character in a string (escape it)") }
            position += 1
        }
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0..<0x20:
                throw error("a raw control character in a string (escape it)")
            default:
                out.append(byte)
                position += 1
            }
        }
        throw error("unexpected end of the body inside a string")
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(JSONParseError) {
        position += 1
        guard let escaped = peek() else { throw error("unexpected end of the body inside a string") }
        let simple: UInt8? =
            switch escaped {
            case UInt8(ascii: "\""): UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): UInt8(ascii: "\\")
            case UInt8(ascii: "/"): UInt8(ascii: "/")
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let simple {
            out.append(simple)
            position += 1
            return
        }
        guard escaped == UInt8(ascii: "u") else {
            throw error("invalid escape \\\(describeByte(at: position))")
        }
        let escapeStart = position - 1
        position += 1
        let unit = try parseHex4()
        var scalarValue = UInt32(unit)
        if (0xD800..<0xDC00).contains(unit) {
            guard peek() == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
            else {
                throw JSONParseError(offset: escapeStart, reason: "a high surrogate \\u escape without its low half")
            }
            position += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else {
                throw JSONParseError(offset: escapeStart, reason: "a high surrogate \\u escape without its low half")
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        } else if (0xDC00..<0xE000).contains(unit) {
            throw JSONParseError(offset: escapeStart, reason: "a lone low surrogate \\u escape")
        }
        guard let scalar = Unicode.Scalar(scalarValue) else {
            throw JSONParseError(offset: escapeStart, reason: "a \\u escape that is not a Unicode scalar")
        }
        UTF8.encode(scalar) { out.append($0) }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw error("unexpected end of the body inside a \\u escape") }
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw error("unexpected \(describeByte(at: position)); expected a hex digit in a \\u escape")
            }
            value = value << 4 | UInt16(nibble)
            position += 1
        }
        return value
    }

    // MARK: - Bytes

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhiteSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func error(_ reason: String) -> JSONParseError {
        JSONParseError(offset: position, reason: reason)
    }

    private func describeByte(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of the body" }
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }
}
