import Cluster
import Foundation
import Testing

@testable import Node

@Suite struct AdminTokenTests {
    @Test func aTokenIs64HexDigits() {
        let token = AdminToken.generate()
        #expect(token.count == 64)
        #expect(token.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(AdminToken.generate() != token)
    }

    @Test func theSameSeedGivesTheSameToken() {
        var first = SplitMix64(seed: 3)
        var second = SplitMix64(seed: 3)
        #expect(AdminToken.generate(using: &first) == AdminToken.generate(using: &second))
    }

    @Test func theFileIsReadableOnlyByItsOwnerEvenWhenItExistedBefore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("admin-token", Array("old\n".utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try AdminToken.write("abc123", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "abc123\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(leftovers == ["admin-token"])
    }

    @Test func anUnwritableDirectoryIsReportedWithThePath() {
        #expect(throws: SupervisorError.self) {
            try AdminToken.write("abc", to: "/nonexistent-murmur-directory/admin-token")
        }
        do {
            try AdminToken.write("abc", to: "/nonexistent-murmur-directory/admin-token")
        } catch {
            #expect(
                error.message.hasPrefix("cannot write the admin token to /nonexistent-murmur-directory/admin-token: "))
        }
    }
}
