/// What a gateway restarting in place (SIGHUP) hands to its next process image besides its
/// arguments and environment: its listening sockets, kept open across `execve` and named in
/// `MURMUR_LISTEN_FDS` as `plain:<fd>` and `tls:<fd>`, comma-separated (`plain:7,tls:9`).
///
/// The new image serves on those sockets instead of binding the ports again, so the port never
/// stops listening: a client connecting during the restart waits in the kernel's accept backlog
/// and is served by the new image (HAProxy's seamless reload, systemd's socket hand-over). It is no
/// configuration key: `restart` is no configuration section.
enum ListenerHandOff {
    /// The environment variable naming the inherited listening sockets.
    static let variable = "MURMUR_LISTEN_FDS"

    /// Which of the HTTP server's listeners a descriptor belongs to.
    enum Listener: String, Sendable, Hashable, CaseIterable {
        /// The plaintext listener (HTTP/1.1 and h2c).
        case plain
        /// The TLS listener (h2 and HTTP/1.1 by ALPN).
        case tls
    }

    /// The variable's value for `descriptors` (`plain` before `tls`), or nil when there are none.
    static func value(for descriptors: [Listener: CInt]) -> String? {
        guard !descriptors.isEmpty else { return nil }
        return descriptors.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue):\($0.value)" }.joined(
            separator: ",")
    }

    /// The descriptors named in a value of the variable. Throws, naming the entry, for an entry
    /// that is not `<listener>:<fd>` with a known listener and a descriptor above 2, or a listener
    /// named twice.
    static func descriptors(in value: String) throws(InheritedListenerError) -> [Listener: CInt] {
        var descriptors: [Listener: CInt] = [:]
        for entry in value.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let listener = Listener(rawValue: String(parts[0])) else {
                throw InheritedListenerError(
                    "\(variable) entry '\(entry)' is not plain:<fd> or tls:<fd>; binding the ports afresh.")
            }
            guard let descriptor = CInt(parts[1]), descriptor > 2 else {
                throw InheritedListenerError(
                    "\(variable) entry '\(entry)' does not name a descriptor above 2; binding the ports afresh.")
            }
            guard descriptors[listener] == nil else {
                throw InheritedListenerError("\(variable) names the \(listener.rawValue) listener twice ('\(value)').")
            }
            descriptors[listener] = descriptor
        }
        return descriptors
    }

    /// `environment` with the variable set to `descriptors`, or removed when there are none.
    static func environment(_ environment: [String], handingOver descriptors: [Listener: CInt]) -> [String] {
        ProcessImage.environment(environment, applying: [variable: value(for: descriptors)])
    }
}
