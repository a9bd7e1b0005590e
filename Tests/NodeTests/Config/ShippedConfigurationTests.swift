import Foundation
import Testing

@testable import Node

/// The `cluster.conf` at the repository root: it loads, it equals the defaults, and it documents
/// every key with its default.
@Suite struct ShippedConfigurationTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("cluster.conf").path

    static func text() throws -> String {
        let data = try #require(
            FileManager.default.contents(atPath: path), "cluster.conf is missing at the repository root (\(path))")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func loadsIntoExactlyTheDefaults() throws {
        let configuration = try ConfigurationLoader.load(file: Self.path, environment: [:], overrides: [:])
        #expect(configuration == MurmurConfiguration())
    }

    @Test func setsEveryKeyUnderItsSectionWithItsDefaultInAComment() throws {
        let text = try Self.text()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = ConfigurationLineIndex(text: text)
        for key in ConfigurationKey.all {
            let line = try #require(index.line(of: [key.section, key.name]), "cluster.conf does not set \(key.path)")
            let statement = lines[line - 1]
            try #require(statement.hasPrefix("\(key.name) = "), "cluster.conf:\(line) should set \(key.path)")
            let value = statement.dropFirst("\(key.name) = ".count)
            var comment = ""
            var above = line - 2
            while above >= 0, lines[above].hasPrefix("#") {
                comment = lines[above] + " " + comment
                above -= 1
            }
            #expect(
                comment.contains("(default: \(value))"),
                "cluster.conf:\(line): \(key.path)'s comment should say (default: \(value))")
        }
    }

    @Test func setsNothingElse() throws {
        let text = try Self.text()
        let index = ConfigurationLineIndex(text: text)
        let keyLines = Set(ConfigurationKey.all.compactMap { index.line(of: [$0.section, $0.name]) })
        let sectionLines = Set(ConfigurationKey.sections.compactMap { index.line(of: [$0]) })
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            #expect(keyLines.contains(number + 1) || sectionLines.contains(number + 1), "cluster.conf:\(number + 1)")
        }
    }
}
