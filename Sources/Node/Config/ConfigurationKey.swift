/// One configuration key: where it lives (`[section] name`) and how a value for it is read and
/// stored. The whole set is `ConfigurationKey.all`; the file, the environment and flags all go
/// through the same `apply`, so every layer accepts exactly the same values.
struct ConfigurationKey: Sendable {
    typealias Store = @Sendable (ConfigurationInput, inout MurmurConfiguration) throws(InvalidValue) -> Void

    /// The TOML table, e.g. `gossip`.
    let section: String
    /// The key inside the table, e.g. `probe_interval`.
    let name: String
    private let store: Store

    init(_ section: String, _ name: String, store: @escaping Store) {
        self.section = section
        self.name = name
        self.store = store
    }

    /// `gossip.probe_interval`: how errors and overrides name the key.
    var path: String { "\(section).\(name)" }

    /// `MURMUR_GOSSIP_PROBE_INTERVAL`.
    var environmentVariable: String { "MURMUR_\(section.uppercased())_\(name.uppercased())" }

    /// Reads `input` and stores it in `configuration`, or says why the value cannot be used.
    func apply(_ input: ConfigurationInput, to configuration: inout MurmurConfiguration) throws(InvalidValue) {
        try store(input, &configuration)
    }
}

extension ConfigurationKey {
    /// The sections, in the order `cluster.conf` lists them.
    static let sections = ["cluster", "gossip", "node", "gateway", "admin"]

    /// Every key by its path.
    static let byPath: [String: ConfigurationKey] = Dictionary(
        all.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })

    /// The names of the keys in `section`, in schema order.
    static func names(in section: String) -> [String] {
        all.filter { $0.section == section }.map(\.name)
    }
}
