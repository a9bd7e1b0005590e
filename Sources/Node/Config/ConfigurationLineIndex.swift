/// Which line each table header and key of a TOML document is on, so errors can name file:line.
///
/// TOMLKit parses the document but does not report where a key was written, so this scanner walks
/// the text once more. It understands just enough TOML to find statements: table headers
/// (`[a.b]`, `[[a]]`), bare, quoted and dotted keys, and values it must skip without mistaking their
/// contents for keys (strings of all four kinds, multi-line arrays, inline tables, comments). It is
/// run on documents TOMLKit accepted, and on anything else it still ends without crashing.
struct ConfigurationLineIndex: Sendable {
    /// Full key path (table path + key path) → the first line that names it. Tables defined
    /// implicitly (by `[a.b]` or `a.b = 1`) get the line of their first mention.
    private var lines: [[String]: Int] = [:]

    /// The line of the first table header whose `[` (or `[[`) is followed by something that cannot
    /// start a key, such as `[?x]` or a `[` ending its line; nil when there is none.
    ///
    /// toml++ 3.4 (inside TOMLKit) does not report such a header as an error: it fails an assertion
    /// and aborts the process. The loader refuses the file with this line before TOMLKit sees it.
    private(set) var firstHeaderWithoutKey: Int?

    /// The line of the first value written as a time or date-time (a bare value holding a `:`); nil
    /// when there is none.
    ///
    /// No key takes a time, and toml++ 3.4 aborts on some malformed ones (such as
    /// `1979-05-27Tx07:32:00Z`) instead of reporting them, so the loader refuses every time before
    /// TOMLKit sees the file. (Plain dates cannot reach that code and get TOMLKit's type error.)
    private(set) var firstTime: Int?

    /// The line of the first `}` where an array waits for a value (`[}`, `[1, }`); nil when there
    /// is none. toml++ 3.4 aborts on one instead of reporting it, so the loader refuses it first.
    private(set) var firstBraceForArrayValue: Int?

    /// The line of the first bare value that is not a boolean, a number or a date (such as
    /// `5958-06-l` or a control character); nil when there is none. Times are left to `firstTime`.
    ///
    /// toml++ 3.4 aborts on some malformed bare values instead of reporting them, and fuzzing kept
    /// finding new ones, so the loader accepts only the bare values TOML defines and refuses the
    /// rest before TOMLKit sees the file.
    private(set) var firstMalformedValue: Int?

    init(text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        scanner.scanDocument()
        lines = scanner.lines
        firstHeaderWithoutKey = scanner.firstHeaderWithoutKey
        firstTime = scanner.firstTime
        firstBraceForArrayValue = scanner.firstBraceForArrayValue
        firstMalformedValue = scanner.firstMalformedValue
    }

    /// The line of `path`, or of its nearest enclosing key when `path` itself was not written as a
    /// statement (a key inside an inline table is on its table's line).
    func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return nil
    }
}

extension ConfigurationLineIndex {
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0
        var line = 1
        var table: [String] = []
        var lines: [[String]: Int] = [:]
        var firstHeaderWithoutKey: Int?
        var firstTime: Int?
        var firstBraceForArrayValue: Int?
        var firstMalformedValue: Int?

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        private func peek(_ offset: Int = 0) -> UInt8? {
            position + offset < bytes.count ? bytes[position + offset] : nil
        }

        mutating func scanDocument() {
            // toml++ skips a UTF-8 byte order mark, so statements start after it.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            while true {
                skipBlankLinesAndComments()
                guard let byte = peek() else { return }
                let start = position
                if byte == UInt8(ascii: "[") {
                    scanHeader()
                } else {
                    scanKeyValue()
                }
                if position == start { skipRestOfLine() }
            }
        }

        private mutating func skipBlankLinesAndComments() {
            while let byte = peek() {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    position += 1
                case UInt8(ascii: "\n"):
                    line += 1
                    position += 1
                case UInt8(ascii: "#"):
                    skipRestOfLine()
                default:
                    return
                }
            }
        }

        /// Moves to the newline ending this line (not past it, so the line count stays right).
        private mutating func skipRestOfLine() {
            while let byte = peek(), byte != UInt8(ascii: "\n") { position += 1 }
        }

        private mutating func scanHeader() {
            let headerLine = line
            position += 1
            if peek() == UInt8(ascii: "[") { position += 1 }
            skipSpaces()
            if firstHeaderWithoutKey == nil, let byte = peek(), byte != UInt8(ascii: "]"), !Self.startsKey(byte) {
                firstHeaderWithoutKey = headerLine
            }
            let path = scanKeyPath(terminator: UInt8(ascii: "]"))
            table = path
            record(path, line: headerLine)
            skipRestOfLine()
        }

        /// A bare key character (`A-Z a-z 0-9 _ -`) or a quote: what toml++ requires after `[`.
        private static func startsKey(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""),
                UInt8(ascii: "'"):
                true
            default:
                false
            }
        }

        private mutating func scanKeyValue() {
            let keyLine = line
            let path = scanKeyPath(terminator: UInt8(ascii: "="))
            guard peek() == UInt8(ascii: "=") else {
                skipRestOfLine()
                return
            }
            position += 1
            record(table + path, line: keyLine)
            skipValue()
        }

        private mutating func record(_ path: [String], line: Int) {
            guard !path.isEmpty else { return }
            for length in 1...path.count {
                let prefix = Array(path[..<length])
                if lines[prefix] == nil { lines[prefix] = line }
            }
        }

        /// Reads `a . "b c" . 'd'` up to (not past) the terminator or the end of the line.
        private mutating func scanKeyPath(terminator: UInt8) -> [String] {
            var path: [String] = []
            while true {
                skipSpaces()
                guard let byte = peek(), byte != terminator, byte != UInt8(ascii: "\n") else { return path }
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    path.append(scanQuotedKey(quote: byte))
                } else {
                    path.append(scanBareKey(terminator: terminator))
                }
                skipSpaces()
                guard peek() == UInt8(ascii: ".") else { return path }
                position += 1
            }
        }

        private mutating func skipSpaces() {
            while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
        }

        private mutating func scanBareKey(terminator: UInt8) -> String {
            let start = position
            let stops: Set<UInt8> = [
                UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "."), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
                UInt8(ascii: "#"), terminator,
            ]
            while let byte = peek(), !stops.contains(byte) { position += 1 }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// Reads a `"basic"` (with escapes) or `'literal'` key on one line.
        private mutating func scanQuotedKey(quote: UInt8) -> String {
            position += 1
            var key: [UInt8] = []
            while let byte = peek(), byte != UInt8(ascii: "\n") {
                position += 1
                if byte == quote { break }
                if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                    key.append(contentsOf: scanEscape())
                } else {
                    key.append(byte)
                }
            }
            return String(decoding: key, as: UTF8.self)
        }

        /// Decodes the escape after a backslash (already consumed) to UTF-8.
        private mutating func scanEscape() -> [UInt8] {
            guard let byte = peek() else { return [] }
            position += 1
            switch byte {
            case UInt8(ascii: "b"): return [0x08]
            case UInt8(ascii: "t"): return [0x09]
            case UInt8(ascii: "n"): return [0x0A]
            case UInt8(ascii: "f"): return [0x0C]
            case UInt8(ascii: "r"): return [0x0D]
            case UInt8(ascii: "e"): return [0x1B]
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let digits = byte == UInt8(ascii: "u") ? 4 : 8
                let end = min(position + digits, bytes.count)
                let hex = String(decoding: bytes[position..<end], as: UTF8.self)
                position = end
                guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else { return [] }
                return Array(String(Character(scalar)).utf8)
            default: return [byte]
            }
        }

        /// Skips a value (which may span lines) up to the newline that ends its statement.
        private mutating func skipValue() {
            // Open brackets and braces, innermost last; and whether an array waits for a value
            // (just after its `[` or a `,`), where toml++ aborts on a `}` instead of reporting it.
            var open: [UInt8] = []
            var arrayWantsValue = false
            // Inside an inline table bare words are keys, except right after an `=`.
            var afterEquals = false
            while let byte = peek() {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    skipString(quote: byte)
                    arrayWantsValue = false
                    afterEquals = false
                case UInt8(ascii: "="):
                    afterEquals = true
                    position += 1
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    open.append(byte)
                    arrayWantsValue = byte == UInt8(ascii: "[")
                    afterEquals = false
                    position += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if byte == UInt8(ascii: "}"), arrayWantsValue, firstBraceForArrayValue == nil {
                        firstBraceForArrayValue = line
                    }
                    _ = open.popLast()
                    arrayWantsValue = false
                    position += 1
                case UInt8(ascii: ","):
                    arrayWantsValue = open.last == UInt8(ascii: "[")
                    position += 1
                case UInt8(ascii: "#"):
                    skipRestOfLine()
                case UInt8(ascii: "\n"):
                    if open.isEmpty { return }
                    line += 1
                    position += 1
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    position += 1
                default:
                    skipBareValue(isValue: open.last != UInt8(ascii: "{") || afterEquals)
                    arrayWantsValue = false
                    afterEquals = false
                }
            }
        }

        /// Skips one bare value (a number, boolean, date or time), a bare key inside an inline
        /// table, or one separator, noting the line of the first time and of the first value that is
        /// none of these.
        private mutating func skipBareValue(isValue: Bool) {
            let start = position
            var isTime = false
            while let byte = peek(), !Self.endsBareValue(byte) {
                if byte == UInt8(ascii: ":") { isTime = true }
                position += 1
            }
            if position == start {
                position += 1
                return
            }
            if isTime {
                if firstTime == nil { firstTime = line }
            } else if isValue, firstMalformedValue == nil, !Self.isBareValue(bytes[start..<position]) {
                firstMalformedValue = line
            }
        }

        /// TOML's bare values other than times: `true`, `false`, integers (decimal with `_` between
        /// digits, `0x`/`0o`/`0b`), floats (fraction and/or exponent, `inf`, `nan`) and dates `YYYY-MM-DD`.
        static func isBareValue(_ token: ArraySlice<UInt8>) -> Bool {
            let words: [String] = ["true", "false", "inf", "+inf", "-inf", "nan", "+nan", "-nan"]
            if words.contains(where: { token.elementsEqual($0.utf8) }) { return true }
            let token = Array(token)
            if token.count > 2, token[0] == UInt8(ascii: "0") {
                switch token[1] {
                case UInt8(ascii: "x"): return isDigitRun(token[2...], digit: isHexDigit)
                case UInt8(ascii: "o"):
                    return isDigitRun(token[2...]) { (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }
                case UInt8(ascii: "b"):
                    return isDigitRun(token[2...]) { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") }
                default: break
                }
            }
            if token.count == 10,
                token.indices.allSatisfy({ $0 == 4 || $0 == 7 ? token[$0] == UInt8(ascii: "-") : isDigit(token[$0]) })
            {
                return true
            }
            var rest = token[...]
            if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
            var exponent: ArraySlice<UInt8>?
            if let e = rest.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
                var power = rest[(e + 1)...]
                if power.first == UInt8(ascii: "+") || power.first == UInt8(ascii: "-") { power = power.dropFirst() }
                exponent = power
                rest = rest[..<e]
            }
            let parts = rest.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard parts.count <= 2, parts.allSatisfy({ isDigitRun($0, digit: isDigit) }) else { return false }
            return exponent.map { isDigitRun($0, digit: isDigit) } ?? true
        }

        /// Digits with single underscores between them.
        private static func isDigitRun(_ run: ArraySlice<UInt8>, digit: (UInt8) -> Bool) -> Bool {
            guard let first = run.first, let last = run.last, digit(first), digit(last) else { return false }
            var previousWasUnderscore = false
            for byte in run {
                if byte == UInt8(ascii: "_") {
                    if previousWasUnderscore { return false }
                    previousWasUnderscore = true
                } else if digit(byte) {
                    previousWasUnderscore = false
                } else {
                    return false
                }
            }
            return true
        }

        private static func isDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }

        private static func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
        }

        private static func endsBareValue(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: ","),
                UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"),
                UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "="):
                true
            default:
                false
            }
        }

        private mutating func skipString(quote: UInt8) {
            let escapes = quote == UInt8(ascii: "\"")
            if peek(1) == quote && peek(2) == quote {
                position += 3
                while let byte = peek() {
                    if byte == quote && peek(1) == quote && peek(2) == quote {
                        position += 3
                        // A multi-line string may end with one or two quotes right before its delimiter.
                        var extra = 0
                        while extra < 2 && peek() == quote {
                            position += 1
                            extra += 1
                        }
                        return
                    }
                    if byte == UInt8(ascii: "\\") && escapes {
                        position += 1
                        if peek() == UInt8(ascii: "\n") { line += 1 }
                    } else if byte == UInt8(ascii: "\n") {
                        line += 1
                    }
                    position += 1
                }
                return
            }
            position += 1
            while let byte = peek(), byte != UInt8(ascii: "\n") {
                position += 1
                if byte == quote { return }
                if byte == UInt8(ascii: "\\") && escapes && peek() != UInt8(ascii: "\n") { position += 1 }
            }
        }
    }
}
