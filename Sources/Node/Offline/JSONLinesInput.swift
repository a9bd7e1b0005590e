import Foundation

/// Reads JSON Lines texts for `murmur embed`/`murmur tokenize`: each line is a JSON string or an object
/// with a `"text"` string. Lines that are entirely blank are skipped; anything else that is not one of the
/// two shapes is an error naming `file:line`.
struct JSONLinesInput {
    /// The name used in error messages (`<stdin>` for standard input).
    let displayName: String
    private var reader: LineReader
    private var lineNumber = 0

    /// Opens `path`, or standard input for `-`.
    init(path: String) throws(CLIError) {
        if path == "-" {
            displayName = "<stdin>"
            reader = LineReader(fileDescriptor: 0, closeWhenDone: false)
        } else {
            let descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else {
                throw CLIError("\(path): cannot open input: \(String(cString: strerror(errno)))")
            }
            displayName = path
            reader = LineReader(fileDescriptor: descriptor, closeWhenDone: true)
        }
    }

    /// The next text and its 1-based line number, or nil at the end of the input.
    mutating func next() throws(CLIError) -> (line: Int, text: String)? {
        while true {
            let bytes: [UInt8]?
            do {
                bytes = try reader.nextLine()
            } catch {
                throw CLIError("\(displayName):\(lineNumber + 1): read failed: \(error.message)")
            }
            guard var line = bytes else { return nil }
            lineNumber += 1
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            return (lineNumber, try Self.text(of: line, at: "\(displayName):\(lineNumber)"))
        }
    }

    /// Decodes one line. Exposed for tests.
    static func text(of line: [UInt8], at location: String) throws(CLIError) -> String {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])
        } catch {
            throw CLIError("\(location): not valid JSON (expected a JSON string or an object with a \"text\" string)")
        }
        if let text = value as? String { return text }
        if let object = value as? [String: Any] {
            guard let field = object["text"] else {
                throw CLIError("\(location): the object has no \"text\" field")
            }
            guard let text = field as? String else {
                throw CLIError("\(location): \"text\" must be a string")
            }
            return text
        }
        throw CLIError("\(location): expected a JSON string or an object with a \"text\" string")
    }
}
