#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The admin token `murmur up` generates when none is configured: 32 random bytes as 64 hex digits,
/// handed to the children in `MURMUR_ADMIN_TOKEN` and written to `<run-dir>/admin-token` (mode 0600)
/// for `murmur rolling-restart` and people.
enum AdminToken {
    /// 64 hex digits from the system's cryptographically secure generator (`getrandom` on Linux).
    static func generate() -> String {
        var random = SystemRandomNumberGenerator()
        return generate(using: &random)
    }

    /// 64 hex digits drawn from `random`.
    static func generate(using random: inout some RandomNumberGenerator) -> String {
        let digits = Array("0123456789abcdef")
        var token = ""
        token.reserveCapacity(64)
        for _ in 0..<32 {
            let byte = UInt8.random(in: .min ... .max, using: &random)
            token.append(digits[Int(byte >> 4)])
            token.append(digits[Int(byte & 0x0f)])
        }
        return token
    }

    /// Writes `token` and a newline to `path` with mode 0600, replacing the file atomically so no
    /// reader ever sees it partly written or with wider permissions.
    static func write(_ token: String, to path: String) throws(SupervisorError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw SupervisorError("cannot write the admin token to \(path): \(String(cString: strerror(errno)))")
        }
        var text = token + "\n"
        let complete = text.withUTF8 { bytes -> Bool in
            guard let base = bytes.baseAddress else { return false }
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
        let modeSet = fchmod(descriptor, 0o600) == 0
        close(descriptor)
        guard complete, modeSet, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SupervisorError("cannot write the admin token to \(path): \(reason)")
        }
    }
}
