import Foundation

/// Builds the one `MurmurConfiguration` a process runs with, from four layers in rising
/// precedence: built-in defaults, the configuration file, `MURMUR_<SECTION>_<KEY>` environment
/// variables, and command-line flags. Every layer goes through the same per-key readers, then the
/// result is checked across keys; the first problem ends loading with a `ConfigurationError` that
/// names where the value came from (file:line, variable or flag).
struct ConfigurationLoader {
    /// The flag each CLI override comes from, for error messages; an override not listed here is
    /// named `--<key with dashes>`.
    static let flagNames: [String: String] = [
        "gossip.bind": "--gossip",
        "node.http": "--http",
        "cluster.seeds": "--seeds",
        "node.models": "--model",
        "node.name": "--name",
        "gateway.name": "--name",
        "gateway.listen": "--listen",
    ]

    /// `MURMUR_*` variables that are not configuration keys.
    static let nonKeyVariables: Set<String> = ["MURMUR_MODEL_DIR", "MURMUR_CONFIG", "MURMUR_BIN"]

    private(set) var configuration = MurmurConfiguration()
    /// Where each key's current value came from, by key path; absent keys hold their default.
    private(set) var origins: [String: ConfigurationOrigin] = [:]

    private init() {
        // Empty until a layer sets it, so `$MURMUR_MODEL_DIR` can fill in afterwards.
        configuration.node.modelDirectory = ""
    }

    /// Loads and validates the configuration.
    ///
    /// - Parameters:
    ///   - file: the `--config` path, else nil to use `$MURMUR_CONFIG`, else no file (all defaults).
    ///   - environment: the process environment (`MURMUR_<SECTION>_<KEY>`, lists comma separated).
    ///   - overrides: CLI flags already parsed, keyed by key path (`"gossip.bind"` from `--gossip`,
    ///     `"node.http"`, `"cluster.seeds"`, `"node.models"`, `"node.name"`/`"gateway.name"`,
    ///     `"gateway.listen"`), as typed; lists comma separated (repeated `--model` flags joined
    ///     with commas).
    static func load(
        file: String?, environment: [String: String], overrides: [String: String]
    ) throws(ConfigurationError) -> MurmurConfiguration {
        let (configuration, warnings) = try loadWithWarnings(file: file, environment: environment, overrides: overrides)
        for warning in warnings { CLIError.report(warning) }
        return configuration
    }

    /// As `load(file:environment:overrides:)`, returning the warnings (such as a file with secrets
    /// that others can read) instead of printing them.
    static func loadWithWarnings(
        file: String?, environment: [String: String], overrides: [String: String]
    ) throws(ConfigurationError) -> (MurmurConfiguration, [String]) {
        var document: (text: String, path: String)?
        if let file {
            document = (try readFile(file, namedBy: "--config"), file)
        } else if let path = environment["MURMUR_CONFIG"], !path.isEmpty {
            document = (try readFile(path, namedBy: "MURMUR_CONFIG"), path)
        }
        let loader = try loaded(document: document, environment: environment, overrides: overrides)
        var warnings: [String] = []
        if let path = document?.path, let mode = permissions(of: path),
            let warning = exposedSecretsWarning(path: path, mode: mode, secretKeys: loader.secretKeysSetByFile())
        {
            warnings.append(warning)
        }
        return (loader.configuration, warnings)
    }

    /// Loads from a document already in memory; `path` is how errors name it.
    static func load(
        document: (text: String, path: String)?, environment: [String: String], overrides: [String: String]
    ) throws(ConfigurationError) -> MurmurConfiguration {
        try loaded(document: document, environment: environment, overrides: overrides).configuration
    }

    /// The loader after every layer is applied and the result validated (its origins say where each
    /// value came from).
    private static func loaded(
        document: (text: String, path: String)?, environment: [String: String], overrides: [String: String]
    ) throws(ConfigurationError) -> ConfigurationLoader {
        var loader = ConfigurationLoader()
        if let document { try loader.applyFile(document.text, path: document.path) }
        try loader.applyEnvironment(environment)
        try loader.applyOverrides(overrides)
        loader.resolveModelDirectory(environment: environment)
        try loader.validate()
        return loader
    }

    /// Stores one value, turning a reader's complaint into an error that names its origin.
    mutating func apply(
        _ input: ConfigurationInput, to key: ConfigurationKey, from origin: ConfigurationOrigin
    ) throws(ConfigurationError) {
        do {
            try key.apply(input, to: &configuration)
        } catch {
            throw ConfigurationError("\(origin): \(key.path): \(error.message)")
        }
        origins[key.path] = origin
    }

    /// The origin of a key's current value.
    func origin(of path: String) -> ConfigurationOrigin {
        origins[path] ?? .defaultValue
    }

    private mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigurationError) {
        let sections = Set(ConfigurationKey.sections.map { $0.uppercased() })
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) {
            guard variable.hasPrefix("MURMUR_"), !Self.nonKeyVariables.contains(variable) else { continue }
            let rest = variable.dropFirst("MURMUR_".count)
            guard let underscore = rest.firstIndex(of: "_"), sections.contains(String(rest[..<underscore])) else {
                continue
            }
            let section = rest[..<underscore].lowercased()
            let name = rest[rest.index(after: underscore)...].lowercased()
            guard let key = ConfigurationKey.byPath["\(section).\(name)"] else {
                let variables = ConfigurationKey.all.map(\.environmentVariable)
                let suggestion = variable.closestMatch(among: variables).map { "; did you mean \($0)?" } ?? ""
                throw ConfigurationError(
                    "\(variable): no configuration key \(section).\(name) in [\(section)]\(suggestion)")
            }
            try apply(.text(value), to: key, from: .environment(variable: variable))
        }
    }

    private mutating func applyOverrides(_ overrides: [String: String]) throws(ConfigurationError) {
        for (path, value) in overrides.sorted(by: { $0.key < $1.key }) {
            let flag = Self.flagName(for: path)
            guard let key = ConfigurationKey.byPath[path] else {
                throw ConfigurationError("\(flag): no configuration key \(path)")
            }
            try apply(.text(value), to: key, from: .flag(name: flag))
        }
    }

    /// The flag an override came from: `flagNames`, else `--<key with dashes>`.
    static func flagName(for path: String) -> String {
        if let flag = flagNames[path] { return flag }
        let key = path.split(separator: ".").last.map(String.init) ?? path
        return "--" + key.replacingOccurrences(of: "_", with: "-")
    }

    /// `node.model_dir` empty (or never set): `$MURMUR_MODEL_DIR`, else the default directory.
    private mutating func resolveModelDirectory(environment: [String: String]) {
        guard configuration.node.modelDirectory.isEmpty else { return }
        configuration.node.modelDirectory = ModelDirectory.resolve(flag: nil, environment: environment)
    }

    /// Reads the whole file as UTF-8; `namedBy` says where the path came from.
    private static func readFile(_ path: String, namedBy source: String) throws(ConfigurationError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError("\(source): no such file: \(path)")
        }
        guard !isDirectory.boolValue else {
            throw ConfigurationError("\(source): \(path) is a directory, not a configuration file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(source): cannot read \(path) (check its permissions)")
        }
        return try decodeUTF8(data, path: path)
    }

    /// The file's text, or an error naming the line of the first byte that is not UTF-8.
    private static func decodeUTF8(_ data: Data, path: String) throws(ConfigurationError) -> String {
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var line = 1
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" { line += 1 }
            case .emptyInput:
                break decoding
            case .error:
                throw ConfigurationError("\(path):\(line): not valid UTF-8 text")
            }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
