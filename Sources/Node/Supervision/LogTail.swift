#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The end of a child's log, quoted when `murmur up` reports that the child keeps failing.
enum LogTail {
    /// The last non-empty line among the final `window` bytes of the file at `path` (nil when the file
    /// cannot be read or holds no such line), cut to `maximumLength` characters.
    static func lastLine(of path: String, window: Int = 4096, maximumLength: Int = 240) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let size = lseek(descriptor, 0, SEEK_END)
        guard size > 0 else { return nil }
        let start = max(0, size - off_t(window))
        var bytes = [UInt8](repeating: 0, count: Int(size - start))
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, start) }
        guard count > 0 else { return nil }
        return lastLine(in: bytes[..<count], maximumLength: maximumLength)
    }

    /// The last non-empty line in `bytes` (UTF-8, invalid sequences replaced), cut to `maximumLength`.
    static func lastLine(in bytes: some Collection<UInt8>, maximumLength: Int = 240) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) }
        guard let line else { return nil }
        let trimmed = line.trimmingCharacters(in: " \t")
        return trimmed.count > maximumLength ? String(trimmed.prefix(maximumLength)) + "…" : trimmed
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters)
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
