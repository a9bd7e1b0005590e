import Foundation
import Testing

@testable import Node

#if canImport(Glibc)
    import Glibc
#endif

/// Real processes (`/bin/sh`), so the spawn attributes are checked against the kernel.
@Suite struct ChildLauncherTests {
    private func wait(_ pid: pid_t) -> ChildExitStatus? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return ChildExitStatus(waitStatus: status)
    }

    @Test func outputGoesToTheLogAfterTheBannerAndTheEnvironmentIsExactlyTheOneGiven() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = directory.url.appendingPathComponent("child.log").path
        try Data("earlier run\n".utf8).write(to: URL(fileURLWithPath: log))
        let pid = try ChildLauncher.launch(
            executable: "/bin/sh",
            arguments: ["-c", "echo out $GREETING; echo err ${HOME:-no-home} >&2; exit 3"],
            environment: ["GREETING": "hello"],
            logPath: log,
            banner: "=== start ==="
        )
        #expect(wait(pid) == .exited(code: 3))
        #expect(
            try String(contentsOfFile: log, encoding: .utf8) == "earlier run\n=== start ===\nout hello\nerr no-home\n")
    }

    @Test func theChildRunsInItsOwnProcessGroupWithDefaultSignals() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = directory.url.appendingPathComponent("child.log").path
        // The shell reports its process group and its ignored signals (SIGINT ignored here would be
        // inherited without the reset).
        let previous = signal(SIGINT, SIG_IGN)
        defer { signal(SIGINT, previous) }
        let pid = try ChildLauncher.launch(
            executable: "/bin/sh",
            arguments: [
                "-c",
                "read -r _ _ _ _ group _ < /proc/$$/stat; echo $group; grep SigIgn /proc/$$/status; "
                    + "read line || echo stdin-empty",
            ],
            environment: ["PATH": "/usr/bin:/bin"],
            logPath: log,
            banner: "=== start ==="
        )
        #expect(wait(pid) == .exited(code: 0))
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        try #require(lines.count == 4, "\(lines)")
        #expect(lines[0] == "=== start ===")
        #expect(lines[1] == "\(pid)")
        #expect(lines[3] == "stdin-empty")
        let ignored = try #require(
            UInt64(
                lines[2].replacingOccurrences(of: "SigIgn:", with: "").trimmingCharacters(in: .whitespaces), radix: 16))
        for number in [SIGINT, SIGTERM, SIGPIPE, SIGHUP] {
            #expect(ignored & (1 << UInt64(number - 1)) == 0, "signal \(number) is ignored in the child")
        }
    }

    @Test func theSpawningThreadStartsChildrenAndReportsFailures() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = directory.url.appendingPathComponent("child.log").path
        let thread = SpawningThread()
        for code in 1...3 {
            let pid = try await thread.launch(
                executable: "/bin/sh", arguments: ["-c", "exit \(code)"], environment: [:], logPath: log,
                banner: "run \(code)")
            #expect(wait(pid) == .exited(code: Int32(code)))
        }
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "run 1\nrun 2\nrun 3\n")
        await #expect(throws: SupervisorError.self) {
            _ = try await thread.launch(
                executable: "/nonexistent-murmur-binary", arguments: [], environment: [:], logPath: log, banner: "x")
        }
    }

    @Test func aMissingExecutableIsAnErrorNotAChild() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: SupervisorError.self) {
            _ = try ChildLauncher.launch(
                executable: directory.url.appendingPathComponent("no-such-binary").path,
                arguments: [],
                environment: [:],
                logPath: directory.url.appendingPathComponent("child.log").path,
                banner: "x"
            )
        }
    }

    @Test func anUnopenableLogIsAnError() {
        #expect(throws: SupervisorError.self) {
            _ = try ChildLauncher.launch(
                executable: "/bin/true", arguments: [], environment: [:],
                logPath: "/nonexistent-murmur-directory/child.log", banner: "x")
        }
    }

    @Test func theExecutablePathIsAbsolute() throws {
        let path = try #require(ChildLauncher.currentExecutablePath())
        #expect(path.hasPrefix("/"))
        #expect(FileManager.default.isExecutableFile(atPath: path))
    }
}
