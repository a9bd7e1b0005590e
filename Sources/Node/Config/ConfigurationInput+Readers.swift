import Cluster
import Foundation

/// Readers that turn an input into one kind of value or say why it cannot be one. Messages quote
/// the offending value so a person can find it, except `string()` and `stringList()`, which only
/// name types, so secrets read through them stay out of messages.
extension ConfigurationInput {
    func string() throws(InvalidValue) -> String {
        switch self {
        case .text(let text), .string(let text): return text
        default: throw InvalidValue("must be a string, not \(typeDescription)")
        }
    }

    func integer(in range: ClosedRange<Int>) throws(InvalidValue) -> Int {
        let value: Int
        switch self {
        case .integer(let integer):
            value = integer
        case .text(let text):
            guard let parsed = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw InvalidValue("must be an integer, got \"\(text)\"")
            }
            value = parsed
        default:
            throw InvalidValue("must be an integer, not \(typeDescription)")
        }
        guard range.contains(value) else {
            throw InvalidValue("must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    /// A number in `range`; with `excludingLowerBound` the lower bound itself is refused too.
    func number(in range: ClosedRange<Double>, excludingLowerBound: Bool = false) throws(InvalidValue) -> Double {
        let value: Double
        switch self {
        case .float(let float):
            value = float
        case .integer(let integer):
            value = Double(integer)
        case .text(let text):
            guard let parsed = Double(text.trimmingCharacters(in: .whitespaces)), parsed.isFinite else {
                throw InvalidValue("must be a number, got \"\(text)\"")
            }
            value = parsed
        default:
            throw InvalidValue("must be a number, not \(typeDescription)")
        }
        let aboveLowerBound = excludingLowerBound ? value > range.lowerBound : value >= range.lowerBound
        guard value.isFinite, aboveLowerBound, value <= range.upperBound else {
            let bounds =
                excludingLowerBound
                ? "above \(range.lowerBound) and at most \(range.upperBound)"
                : "from \(range.lowerBound) to \(range.upperBound)"
            throw InvalidValue("must be a number \(bounds), got \(value)")
        }
        return value
    }

    func duration(in range: ClosedRange<Duration>) throws(InvalidValue) -> Duration {
        let text: String
        switch self {
        case .text(let value), .string(let value):
            text = value
        case .integer, .float:
            throw InvalidValue(
                "must be a duration string with a unit, like \"500ms\" or \"2s\", not \(typeDescription)")
        default:
            throw InvalidValue("must be a duration string, like \"500ms\" or \"2s\", not \(typeDescription)")
        }
        let value = try Duration(configurationText: text)
        guard range.contains(value) else {
            throw InvalidValue(
                "must be from \(range.lowerBound.configurationText) to \(range.upperBound.configurationText), "
                    + "got \"\(text)\"")
        }
        return value
    }

    /// `host:port` or `[v6]:port`; with `allowingPortZero: false` port 0 (any free port, only
    /// meaningful when binding) is refused.
    func endpoint(allowingPortZero: Bool = true) throws(InvalidValue) -> Endpoint {
        try Self.endpoint(parsing: string(), allowingPortZero: allowingPortZero)
    }

    /// An endpoint, or nil for the empty string.
    func optionalEndpoint(allowingPortZero: Bool = true) throws(InvalidValue) -> Endpoint? {
        let text = try string()
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return try Self.endpoint(parsing: text, allowingPortZero: allowingPortZero)
    }

    /// A string, or nil for the empty string.
    func optionalString() throws(InvalidValue) -> String? {
        let text = try string()
        return text.isEmpty ? nil : text
    }

    /// A TOML array of strings, or text with comma-separated entries (blank entries are dropped, so
    /// an empty text is an empty list).
    func stringList() throws(InvalidValue) -> [String] {
        switch self {
        case .text(let text):
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .list(let items):
            var strings: [String] = []
            for (position, item) in items.enumerated() {
                guard case .string(let text) = item else {
                    throw InvalidValue("entry \(position + 1) must be a string, not \(item.typeDescription)")
                }
                strings.append(text)
            }
            return strings
        case .string:
            throw InvalidValue("must be an array of strings, like [\"a\", \"b\"], not a single string")
        default:
            throw InvalidValue("must be an array of strings, like [\"a\", \"b\"], not \(typeDescription)")
        }
    }

    /// Each list entry parsed as an endpoint; errors name the entry.
    func endpointList(allowingPortZero: Bool) throws(InvalidValue) -> [Endpoint] {
        let entries = try stringList()
        var endpoints: [Endpoint] = []
        for (position, entry) in entries.enumerated() {
            do {
                endpoints.append(try Self.endpoint(parsing: entry, allowingPortZero: allowingPortZero))
            } catch {
                throw InvalidValue("entry \(position + 1): \(error.message)")
            }
        }
        return endpoints
    }

    private static func endpoint(parsing text: String, allowingPortZero: Bool) throws(InvalidValue) -> Endpoint {
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint(parsing: text)
        } catch {
            throw InvalidValue(error.message)
        }
        guard allowingPortZero || endpoint.port != 0 else {
            throw InvalidValue("'\(text)' has port 0, which nobody can reach; give the real port")
        }
        return endpoint
    }
}
