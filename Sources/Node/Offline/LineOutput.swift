#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A buffered writer of output lines to a file or standard output (`-`), flushed in 64 KiB writes.
struct LineOutput: ~Copyable {
    private let fileDescriptor: Int32
    private let closeWhenDone: Bool
    private let displayName: String
    private var buffer: [UInt8] = []

    /// Opens (creating or truncating) `path`, or standard output for `-`.
    init(path: String) throws(CLIError) {
        if path == "-" {
            fileDescriptor = 1
            closeWhenDone = false
            displayName = "<stdout>"
        } else {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard descriptor >= 0 else {
                throw CLIError("\(path): cannot open output: \(String(cString: strerror(errno)))")
            }
            fileDescriptor = descriptor
            closeWhenDone = true
            displayName = path
        }
        buffer.reserveCapacity(80 * 1024)
    }

    /// Appends bytes; writes out once 64 KiB are buffered.
    mutating func append(_ bytes: some Sequence<UInt8>) throws(CLIError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    /// Writes everything buffered.
    mutating func flush() throws(CLIError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw CLIError("\(displayName): write failed: \(String(cString: strerror(errno)))", exitCode: 1)
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        if closeWhenDone { close(fileDescriptor) }
    }
}
