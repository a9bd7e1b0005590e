/// Where a configuration value came from; error messages start with it.
enum ConfigurationOrigin: Hashable, Sendable, CustomStringConvertible {
    /// Nobody set the key: its built-in default.
    case defaultValue
    /// A line of the configuration file (1-based), as the path was given.
    case file(path: String, line: Int)
    /// An environment variable such as `MURMUR_GOSSIP_PROBE_INTERVAL`.
    case environment(variable: String)
    /// A command-line flag such as `--gossip`.
    case flag(name: String)

    /// Higher wins: flag > environment > file > default.
    var precedence: Int {
        switch self {
        case .defaultValue: 0
        case .file: 1
        case .environment: 2
        case .flag: 3
        }
    }

    /// `cluster.conf:12`, `MURMUR_GOSSIP_PROBE_INTERVAL`, `--gossip` or `default`.
    var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let path, let line): "\(path):\(line)"
        case .environment(let variable): variable
        case .flag(let name): name
        }
    }
}
