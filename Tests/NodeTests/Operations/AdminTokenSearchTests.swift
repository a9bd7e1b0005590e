import Foundation
import Testing

@testable import Node

@Suite struct AdminTokenSearchTests {
    /// The token found, or the error's message and exit status.
    func search(
        flag: String? = nil, environment: [String: String] = [:], configFile: String? = nil, runDirectory: String
    ) -> String {
        do {
            return try AdminTokenSearch.token(
                flag: flag, environment: environment, configFile: configFile, runDirectory: runDirectory)
        } catch {
            return "exit \(error.exitCode): \(error.message)"
        }
    }

    @Test func eachSourceBeatsTheOnesAfterIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = directory.url.path
        _ = try directory.write("admin-token", Array("from-file\n".utf8))
        let config = try directory.write("cluster.conf", Array("[admin]\ntoken = \"from-config\"\n".utf8))
        let environment = ["MURMUR_ADMIN_TOKEN": "from-env"]
        #expect(
            search(flag: "from-flag", environment: environment, configFile: config, runDirectory: run) == "from-flag")
        #expect(search(environment: environment, configFile: config, runDirectory: run) == "from-env")
        #expect(search(configFile: config, runDirectory: run) == "from-config")
        #expect(search(environment: ["MURMUR_CONFIG": config], runDirectory: run) == "from-config")
        #expect(search(runDirectory: run) == "from-file")
    }

    @Test func noTokenAnywhereIsAUsageErrorSayingWhereItLooked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = search(runDirectory: directory.url.path)
        #expect(result.hasPrefix("exit 2: no admin token: looked at --token, MURMUR_ADMIN_TOKEN, [admin] token"))
        #expect(result.contains(directory.url.appendingPathComponent("admin-token").path))
        let config = try directory.write("cluster.conf", Array("[cluster]\nname = \"x\"\n".utf8))
        #expect(search(configFile: config, runDirectory: directory.url.path).contains("[admin] token in \(config)"))
    }

    @Test func badTokensAndFilesAreUsageErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(search(flag: "", runDirectory: directory.url.path) == "exit 2: --token is empty")
        #expect(
            search(flag: "two words", runDirectory: directory.url.path).hasPrefix("exit 2: --token: the admin token"))
        _ = try directory.write("admin-token", Array(" \n".utf8))
        #expect(search(runDirectory: directory.url.path).hasSuffix("admin-token is empty"))
        let broken = try directory.write("broken.conf", Array("[admin]\ntoken = 3\n".utf8))
        #expect(search(configFile: broken, runDirectory: directory.url.path).hasPrefix("exit 2: \(broken):2: "))
    }
}
