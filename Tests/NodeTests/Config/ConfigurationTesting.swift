import Foundation

@testable import Node

/// Loads `text` as if it were the file `cluster.conf`.
func loadConfiguration(
    _ text: String?, environment: [String: String] = [:], overrides: [String: String] = [:]
) throws(ConfigurationError) -> MurmurConfiguration {
    try ConfigurationLoader.load(
        document: text.map { ($0, "cluster.conf") }, environment: environment, overrides: overrides)
}

/// The one-line error loading `text` gives, or a note that it loaded.
func configurationError(
    _ text: String?, environment: [String: String] = [:], overrides: [String: String] = [:]
) -> String {
    do {
        _ = try loadConfiguration(text, environment: environment, overrides: overrides)
        return "(loaded without an error)"
    } catch {
        return error.message
    }
}

/// A directory of its own under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("murmur-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
