// The libFuzzer target `FuzzConfiguration` compiles the configuration sources into its own
// module (Node is an executable target, which another package cannot link), so there it is
// built with FUZZING defined and the types are already in scope.
#if !FUZZING
    @testable import Node
#endif

/// What the configuration loader must do with any `cluster.conf` text at all: loading never traps;
/// a failure is one message starting with the file's name and, when it gives a line, a line of the
/// file; a success is repeatable (the same text loads to the same configuration).
///
/// One place for the property: the corpus replay test and the libFuzzer target `FuzzConfiguration`.
enum ConfigurationLoaderProperty {
    /// The name errors use for the file.
    static let path = "fuzz.conf"

    /// The first broken rule for the file `bytes`, or nil.
    static func violation(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let configuration: MurmurConfiguration
        do {
            configuration = try ConfigurationLoader.load(document: (text, path), environment: [:], overrides: [:])
        } catch {
            return violation(error: error.message, text: text)
        }
        let again = try? ConfigurationLoader.load(document: (text, path), environment: [:], overrides: [:])
        guard again == configuration else { return "the same file loaded twice gave different results" }
        return nil
    }

    /// Checks that `message` starts with `fuzz.conf:` and, when a line number follows, that the
    /// file has that line.
    private static func violation(error message: String, text: String) -> String? {
        guard message.hasPrefix(path + ":") else { return "error \"\(message)\" does not name the file" }
        let digits = message.dropFirst(path.count + 1).prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty else { return nil }
        let lines = text.utf8.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        guard let line = Int(digits), (1...lines).contains(line) else {
            return "error \"\(message)\" names line \(digits) of a \(lines)-line file"
        }
        return nil
    }
}
