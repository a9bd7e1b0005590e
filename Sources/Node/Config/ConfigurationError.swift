/// A configuration that cannot be used: one line naming where the bad value came from and what to
/// do about it.
///
/// The message starts with the origin of the value: `cluster.conf:12: …` for the file,
/// `MURMUR_GOSSIP_PROBE_INTERVAL: …` for the environment, `--gossip: …` for a flag. The CLI prints
/// it and exits with status 2. Secrets (gossip keys, the admin token) never appear in a message.
struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
