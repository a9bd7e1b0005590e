#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits a file descriptor's bytes into `\n`-terminated lines, reading 64 KiB at a time, so inputs of
/// any size stream through without being held in memory.
struct LineReader {
    struct ReadError: Error {
        var message: String
    }

    private let fileDescriptor: Int32
    private let closeWhenDone: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false

    init(fileDescriptor: Int32, closeWhenDone: Bool) {
        self.fileDescriptor = fileDescriptor
        self.closeWhenDone = closeWhenDone
    }

    /// The next line without its `\n`, or nil at end of input. A last line without `\n` is returned too.
    mutating func nextLine() throws(ReadError) -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            try fill()
        }
    }

    private mutating func fill() throws(ReadError) {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 64 * 1024
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var count = 0
        repeat {
            count = buffer.withUnsafeMutableBytes { raw in
                read(fileDescriptor, raw.baseAddress! + oldCount, chunk)
            }
        } while count < 0 && errno == EINTR
        if count < 0 {
            let reason = String(cString: strerror(errno))
            buffer.removeLast(chunk)
            throw ReadError(message: reason)
        }
        buffer.removeLast(chunk - count)
        if count == 0 {
            finished = true
            if closeWhenDone { close(fileDescriptor) }
        }
    }
}
