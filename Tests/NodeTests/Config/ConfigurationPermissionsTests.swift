import Foundation
import Testing

@testable import Node

@Suite struct ConfigurationPermissionsTests {
    @Test func aFileWithSecretsReadableByOthersIsWarnedAbout() {
        let warning = ConfigurationLoader.exposedSecretsWarning(
            path: "cluster.conf", mode: 0o644, secretKeys: ["cluster.gossip_keys", "admin.token"])
        #expect(
            warning
                == "warning: cluster.conf holds cluster.gossip_keys and admin.token but its mode is 644, so other "
                + "users can read it; run 'chmod 600 cluster.conf'")
        #expect(ConfigurationLoader.exposedSecretsWarning(path: "c", mode: 0o640, secretKeys: ["admin.token"]) != nil)
    }

    @Test func privateFilesAndFilesWithoutSecretsAreNot() {
        #expect(ConfigurationLoader.exposedSecretsWarning(path: "c", mode: 0o600, secretKeys: ["admin.token"]) == nil)
        #expect(ConfigurationLoader.exposedSecretsWarning(path: "c", mode: 0o400, secretKeys: ["admin.token"]) == nil)
        #expect(ConfigurationLoader.exposedSecretsWarning(path: "c", mode: 0o666, secretKeys: []) == nil)
    }

    @Test func onlySecretsTheFileItselfSetsCount() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("cluster.conf").path
        try "[admin]\ntoken = \"s3cret\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(ConfigurationLoader.permissions(of: path) == 0o644)
        // The token the file sets is the file's secret; one from the environment is not, and a private
        // file gets no warning.
        let (fromFile, warnings) = try ConfigurationLoader.loadWithWarnings(
            file: path, environment: [:], overrides: [:])
        #expect(fromFile.admin.token == "s3cret")
        #expect(warnings.count == 1 && warnings[0].contains("holds admin.token but its mode is 644"))
        #expect(!warnings[0].contains("s3cret"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try ConfigurationLoader.loadWithWarnings(file: path, environment: [:], overrides: [:]).1.isEmpty)
        try "[admin]\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let (fromEnvironment, none) = try ConfigurationLoader.loadWithWarnings(
            file: path, environment: ["MURMUR_ADMIN_TOKEN": "x"], overrides: [:])
        #expect(fromEnvironment.admin.token == "x" && none.isEmpty)
    }
}
