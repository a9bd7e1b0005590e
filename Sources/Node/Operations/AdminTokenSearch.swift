import Foundation

/// Finds the admin token `murmur rolling-restart` sends, in falling precedence: `--token`,
/// `MURMUR_ADMIN_TOKEN`, `[admin] token` of the config file (`--config`, else `$MURMUR_CONFIG`),
/// then `<run-dir>/admin-token` as written by `murmur up`.
enum AdminTokenSearch {
    /// The token, or a `CLIError` (exit 2) naming every place looked at.
    static func token(
        flag: String?, environment: [String: String], configFile: String?, runDirectory: String
    ) throws(CLIError) -> String {
        if let flag {
            return try checked(flag, from: "--token")
        }
        if let variable = environment["MURMUR_ADMIN_TOKEN"], !variable.isEmpty {
            return try checked(variable, from: "MURMUR_ADMIN_TOKEN")
        }
        let configPath = configFile ?? environment["MURMUR_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if configPath != nil {
            let configuration: MurmurConfiguration
            do {
                configuration = try ConfigurationLoader.load(file: configFile, environment: environment, overrides: [:])
            } catch {
                throw CLIError(error.message)
            }
            if let token = configuration.admin.token { return token }
        }
        let tokenFile = (runDirectory as NSString).appendingPathComponent("admin-token")
        if FileManager.default.fileExists(atPath: tokenFile) {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw CLIError("cannot read the admin token file \(tokenFile) (check its permissions)")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw CLIError("the admin token file \(tokenFile) is empty") }
            return try checked(token, from: tokenFile)
        }
        let config = configPath.map { "[admin] token in \($0)" } ?? "[admin] token (no --config or MURMUR_CONFIG)"
        throw CLIError(
            "no admin token: looked at --token, MURMUR_ADMIN_TOKEN, \(config) and \(tokenFile); "
                + "pass the token the nodes were started with")
    }

    /// The token, if it can be sent in an HTTP header (the same rule as `[admin] token`).
    private static func checked(_ token: String, from source: String) throws(CLIError) -> String {
        guard !token.isEmpty else { throw CLIError("\(source) is empty") }
        guard token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw CLIError("\(source): the admin token must be printable ASCII without spaces (the token is not shown)")
        }
        return token
    }
}
