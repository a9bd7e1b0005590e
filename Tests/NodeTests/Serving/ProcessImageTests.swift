import Cluster
import Testing

@testable import Node

/// How a node finds the binary to re-execute and what environment it hands over: pure functions,
/// no process is replaced here (the end-to-end tests do that).
@Suite struct ProcessImageTests {
    @Test func absoluteAndRelativeCommandsResolveAgainstTheWorkingDirectory() {
        let never: (String) -> Bool = { _ in false }
        #expect(
            ProcessImage.resolve(command: "/opt/bin/murmur", workingDirectory: "/w", searchPath: nil, isExecutable: never)
                == "/opt/bin/murmur")
        #expect(
            ProcessImage.resolve(
                command: ".build/release/murmur", workingDirectory: "/src/repo", searchPath: "/usr/bin",
                isExecutable: never) == "/src/repo/.build/release/murmur")
        #expect(
            ProcessImage.resolve(command: "../b/./murmur", workingDirectory: "/x/a/", searchPath: nil, isExecutable: never)
                == "/x/b/murmur")
        #expect(ProcessImage.resolve(command: "", workingDirectory: "/w", searchPath: "/bin", isExecutable: never) == nil)
    }

    @Test func bareNamesAreLookedUpInPathInOrder() {
        let installed: Set = ["/usr/local/bin/murmur", "/usr/bin/murmur", "/w/murmur", "/w/tools/murmur"]
        let isExecutable: (String) -> Bool = { installed.contains($0) }
        #expect(
            ProcessImage.resolve(
                command: "murmur", workingDirectory: "/w", searchPath: "/opt/none:/usr/local/bin:/usr/bin",
                isExecutable: isExecutable) == "/usr/local/bin/murmur")
        // An empty entry is the working directory; a relative entry is taken against it.
        #expect(
            ProcessImage.resolve(
                command: "murmur", workingDirectory: "/w", searchPath: "/opt/none::/usr/bin",
                isExecutable: isExecutable) == "/w/murmur")
        #expect(
            ProcessImage.resolve(
                command: "murmur", workingDirectory: "/w", searchPath: "tools", isExecutable: isExecutable)
                == "/w/tools/murmur")
        #expect(
            ProcessImage.resolve(
                command: "murmur", workingDirectory: "/w", searchPath: "/opt/none", isExecutable: isExecutable) == nil)
        #expect(
            ProcessImage.resolve(command: "murmur", workingDirectory: "/w", searchPath: nil, isExecutable: isExecutable)
                == nil)
    }

    @Test func normalizeIsLexical() {
        #expect(ProcessImage.normalize("/a//b/./c/../d/") == "/a/b/d")
        #expect(ProcessImage.normalize("/../..") == "/")
        #expect(ProcessImage.normalize("/") == "/")
    }

    @Test func theEnvironmentKeepsOrderAndAppliesChanges() {
        let current = ["PATH=/bin", "A=1", "EMPTY=", "B=x=y", "A_LONGER=2"]
        #expect(
            ProcessImage.environment(current, applying: ["A": "3", "NEW": "v", "B": nil, "MISSING": nil])
                == ["PATH=/bin", "EMPTY=", "A_LONGER=2", "A=3", "NEW=v"])
        #expect(ProcessImage.environment(current, applying: [:]) == current)
    }

    @Test func theCurrentImageIsAnAbsolutePathWithTheArguments() {
        let image = ProcessImage.current
        #expect(image.path.hasPrefix("/"))
        #expect(image.arguments == CommandLine.arguments)
        #expect(ProcessImage.currentEnvironment().contains { $0.hasPrefix("PATH=") })
    }

    @Test func restartHandsOverLivePeersAndTheNextImageReadsThem() {
        let peers = [Endpoint(host: "127.0.0.1", port: 7946), Endpoint(host: "::1", port: 7947)]
        let environment = RestartHandOff.environment(["HOME=/h", "MURMUR_RESTART_SEEDS=10.0.0.1:1"], rejoiningThrough: peers)
        #expect(environment == ["HOME=/h", "MURMUR_RESTART_SEEDS=127.0.0.1:7946,[::1]:7947"])
        let variables = Dictionary(
            uniqueKeysWithValues: environment.map { entry in
                let parts = entry.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), String(parts[1]))
            })
        #expect(RestartHandOff.seeds(in: variables) == peers)
        // Nothing to hand over removes a stale value; malformed entries are skipped.
        #expect(RestartHandOff.environment(["MURMUR_RESTART_SEEDS=x:1", "A=1"], rejoiningThrough: []) == ["A=1"])
        #expect(
            RestartHandOff.seeds(in: ["MURMUR_RESTART_SEEDS": "nohost,127.0.0.1:99999,h:1"])
                == [Endpoint(host: "h", port: 1)])
        #expect(RestartHandOff.seeds(in: [:]).isEmpty)
    }
}
