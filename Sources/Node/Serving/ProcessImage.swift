import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The program this process runs, as it was started, and the one way Murmur replaces its own process
/// image (`execve`): the BLAS kernel re-exec at start and a node's restart.
///
/// `path` is the absolute path the command named at start (`argv[0]` against the working directory,
/// or looked up in `PATH`), not `/proc/self/exe` and with symlinks left in place: a restart runs
/// whatever file is at that path *now*, so replacing the file (or the link) rolls out a new build.
struct ProcessImage: Sendable, Hashable {
    /// Absolute path of the executable as started.
    var path: String
    /// The arguments, `argv[0]` included, as started.
    var arguments: [String]

    /// This process, resolved on first use; `NodeCommand` touches it at start, before anything
    /// could change the working directory or the file.
    static let current: ProcessImage = {
        let arguments = CommandLine.arguments
        let workingDirectory = FileManager.default.currentDirectoryPath
        let searchPath = ProcessInfo.processInfo.environment["PATH"]
        let resolved = arguments.first.flatMap { command in
            resolve(
                command: command, workingDirectory: workingDirectory, searchPath: searchPath,
                isExecutable: { access($0, X_OK) == 0 })
        }
        return ProcessImage(path: resolved ?? Self.runningExecutable(), arguments: arguments)
    }()

    /// The absolute path a shell would run for `command`: as is when absolute, against
    /// `workingDirectory` when it contains a slash, else the first executable match in the
    /// colon-separated `searchPath` (an empty entry is the working directory). Nil when nothing
    /// matches or there is no search path. `.` and `..` components are removed; symlinks are not followed.
    static func resolve(
        command: String, workingDirectory: String, searchPath: String?, isExecutable: (String) -> Bool
    ) -> String? {
        guard !command.isEmpty else { return nil }
        if command.hasPrefix("/") { return normalize(command) }
        if command.contains("/") { return normalize(workingDirectory + "/" + command) }
        guard let searchPath else { return nil }
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let base = directory.isEmpty ? workingDirectory : String(directory)
            let absoluteBase = base.hasPrefix("/") ? base : workingDirectory + "/" + base
            let candidate = normalize(absoluteBase + "/" + command)
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }

    /// Removes empty, `.` and `..` components of an absolute path, lexically.
    static func normalize(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// The environment of this process as `NAME=value` entries in their order, with `changes`
    /// applied: a non-nil value replaces (or adds) the variable, nil removes it.
    static func environment(_ current: [String], applying changes: [String: String?]) -> [String] {
        var entries = current.filter { entry in
            let name = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return changes[String(name)] == nil
        }
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
            if let value { entries.append("\(name)=\(value)") }
        }
        return entries
    }

    /// The current process environment as `NAME=value` entries, in order.
    static func currentEnvironment() -> [String] {
        var entries: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            cursor += 1
        }
        return entries
    }

    /// Replaces this process with this image and `environment`; every descriptor but 0, 1 and 2
    /// (and those in `keepingOpen`) is marked close-on-exec first, so no socket outlives the old
    /// image unless asked to and the new one can bind the same ports at once. Returns only when
    /// `execve` fails, with an error naming the cause.
    /// - Parameter keepingOpen: descriptors the new image inherits (a gateway's listening sockets,
    ///   named to it in `ListenerHandOff.variable`).
    func execute(environment: [String], keepingOpen: [CInt] = []) -> CLIError {
        Self.replaceProcess(executable: path, arguments: arguments, environment: environment, keepingOpen: keepingOpen)
    }

    /// `execve(executable, arguments, environment)` after marking inherited descriptors
    /// close-on-exec (except `keepingOpen`) and handing the new image a clean signal state;
    /// returns only on failure.
    ///
    /// `execve` keeps ignored signals ignored and the calling thread's signal mask. The old image's
    /// signal handling (ServiceLifecycle, Dispatch) ignores SIGTERM and SIGINT and may block them
    /// in this thread: the new image would then lose a SIGTERM sent before it installs its own
    /// handling. So they go back to their default action and nothing stays blocked. SIGHUP (a
    /// gateway's restart request) stays ignored: one arriving while the new image starts must not
    /// kill it.
    static func replaceProcess(
        executable: String, arguments: [String], environment: [String], keepingOpen: [CInt] = []
    ) -> CLIError {
        markDescriptorsCloseOnExec()
        for descriptor in keepingOpen {
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags & ~FD_CLOEXEC) }
        }
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        var nothingBlocked = sigset_t()
        sigemptyset(&nothingBlocked)
        pthread_sigmask(SIG_SETMASK, &nothingBlocked, nil)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        execve(executable, argv, envp)
        let reason = String(cString: strerror(errno))
        for pointer in argv + envp { free(pointer) }
        return CLIError("cannot execute \(executable): \(reason)", exitCode: 1)
    }

    /// Sets `FD_CLOEXEC` on every open descriptor above 2. Safe while other threads run: it
    /// closes nothing, it only decides what the next image inherits.
    static func markDescriptorsCloseOnExec() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in names {
            guard let descriptor = Int32(name), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            guard flags >= 0, flags & FD_CLOEXEC == 0 else { continue }
            _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC)
        }
    }

    /// `/proc/self/exe` read as a path: the fallback when `argv[0]` names nothing runnable.
    private static func runningExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
    }
}
