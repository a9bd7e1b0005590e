import Foundation

/// Where the model files are: `--model-dir`, else `MURMUR_MODEL_DIR`, else `.models/all-MiniLM-L6-v2`
/// under the current directory (where `make model` puts them).
enum ModelDirectory {
    static let defaultPath = ".models/all-MiniLM-L6-v2"

    static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let fromEnvironment = environment["MURMUR_MODEL_DIR"], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultPath
    }
}
