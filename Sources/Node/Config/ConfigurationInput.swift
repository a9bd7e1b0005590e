/// One value as a layer supplies it, before a key's reader interprets it.
///
/// The file supplies typed TOML values; environment variables and flags supply text, which each
/// key parses itself (numbers, durations, comma-separated lists).
enum ConfigurationInput: Sendable {
    /// Text from an environment variable or a flag.
    case text(String)
    /// A TOML string.
    case string(String)
    /// A TOML integer.
    case integer(Int)
    /// A TOML float.
    case float(Double)
    /// A TOML array.
    case list([ConfigurationInput])
    /// A TOML value of a type no key takes (boolean, date, time, table), by its TOML name.
    case unsupported(String)

    /// "a string", "an integer", …: how a type error names what it got.
    var typeDescription: String {
        switch self {
        case .text, .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .list: "an array"
        case .unsupported(let name): name.first.map { "aeiou".contains($0) } == true ? "an \(name)" : "a \(name)"
        }
    }
}
