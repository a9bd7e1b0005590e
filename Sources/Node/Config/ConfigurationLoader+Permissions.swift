import Foundation

extension ConfigurationLoader {
    /// Keys whose values are secrets: a file that sets them should be readable by its owner only.
    static let secretKeys = ["cluster.gossip_keys", "admin.token"]

    /// The secret keys the configuration file itself set (not the environment or a flag).
    func secretKeysSetByFile() -> [String] {
        Self.secretKeys.filter { key in
            guard case .file = origin(of: key) else { return false }
            switch key {
            case "cluster.gossip_keys": return !configuration.cluster.gossipKeys.isEmpty
            default: return configuration.admin.token.map { !$0.isEmpty } ?? false
            }
        }
    }

    /// The warning for a configuration file that holds secrets yet is readable or writable by its
    /// group or others (`mode` is the file's permission bits), or nil when there is nothing to say.
    /// It names the keys, never their values.
    static func exposedSecretsWarning(path: String, mode: UInt16, secretKeys: [String]) -> String? {
        guard !secretKeys.isEmpty, mode & 0o077 != 0 else { return nil }
        let octal = String(mode & 0o777, radix: 8)
        return "warning: \(path) holds \(secretKeys.joined(separator: " and ")) but its mode is \(octal), "
            + "so other users can read it; run 'chmod 600 \(path)'"
    }

    /// The permission bits of the file at `path`, or nil when they cannot be read.
    static func permissions(of path: String) -> UInt16? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.posixPermissions] as? NSNumber).map { UInt16(truncatingIfNeeded: $0.intValue) }
    }
}
