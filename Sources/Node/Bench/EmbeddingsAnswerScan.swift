/// A quick check of an embeddings response body that reads each byte once and allocates nothing,
/// so checking every answer does not make the load generator the bottleneck.
///
/// It accepts a body that is a JSON object (`{` … `}`), holds exactly one `"index"` key per input sent,
/// and a `"prompt_tokens"` integer (the tokens the server counted, which give tokens/s). It does not
/// parse the embeddings themselves: the e2e and API tests check their values.
enum EmbeddingsAnswerScan {
    enum Outcome: Hashable, Sendable {
        case valid(promptTokens: Int)
        case invalid(reason: String)
    }

    private static let index = Array(#""index""#.utf8)
    private static let promptTokens = Array(#""prompt_tokens""#.utf8)

    static func scan(_ body: UnsafeRawBufferPointer, expectedRows: Int) -> Outcome {
        let bytes = body.bindMemory(to: UInt8.self)
        var first = 0
        var last = bytes.count - 1
        while first <= last && isSpace(bytes[first]) { first += 1 }
        while last >= first && isSpace(bytes[last]) { last -= 1 }
        guard first < last, bytes[first] == UInt8(ascii: "{"), bytes[last] == UInt8(ascii: "}") else {
            return .invalid(reason: "not a JSON object")
        }
        var rows = 0
        var tokens: Int?
        var position = first
        while position <= last {
            guard bytes[position] == UInt8(ascii: "\"") else {
                position += 1
                continue
            }
            if matches(index, in: bytes, at: position, end: last) {
                rows += 1
                position += index.count
            } else if tokens == nil, matches(promptTokens, in: bytes, at: position, end: last) {
                position += promptTokens.count
                guard let (value, next) = integer(after: position, in: bytes, end: last) else {
                    return .invalid(reason: "\"prompt_tokens\" is not an integer")
                }
                tokens = value
                position = next
            } else {
                position = endOfString(from: position, in: bytes, end: last)
            }
        }
        guard rows == expectedRows else {
            return .invalid(reason: "\(rows) embeddings for \(expectedRows) inputs")
        }
        guard let tokens else { return .invalid(reason: "no \"prompt_tokens\"") }
        return .valid(promptTokens: tokens)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func matches(_ key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> Bool {
        guard start + key.count - 1 <= end else { return false }
        for offset in 1..<key.count where bytes[start + offset] != key[offset] { return false }
        return true
    }

    /// The position after the string that opens at `start` (its closing quote, escapes skipped).
    private static func endOfString(from start: Int, in bytes: UnsafeBufferPointer<UInt8>, end: Int) -> Int {
        var position = start + 1
        while position <= end {
            switch bytes[position] {
            case UInt8(ascii: "\\"): position += 2
            case UInt8(ascii: "\""): return position + 1
            default: position += 1
            }
        }
        return position
    }

    /// Reads `: <digits>` after a key; nil if it is not there.
    private static func integer(after start: Int, in bytes: UnsafeBufferPointer<UInt8>, end: Int) -> (Int, Int)? {
        var position = start
        while position <= end && isSpace(bytes[position]) { position += 1 }
        guard position <= end, bytes[position] == UInt8(ascii: ":") else { return nil }
        position += 1
        while position <= end && isSpace(bytes[position]) { position += 1 }
        var value = 0
        var digits = 0
        while position <= end, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
            digits += 1
            position += 1
        }
        return digits > 0 ? (value, position) : nil
    }
}
