/// Builds a Prometheus text exposition (format 0.0.4): `# HELP` and `# TYPE` once per family
/// before its samples, label values and help text escaped as the format requires.
public struct PrometheusText: Sendable {
    /// The kind of a metric family.
    public enum Kind: String, Sendable {
        case counter
        case gauge
        case histogram
    }

    /// The exposition so far.
    public private(set) var text = ""

    public init() {}

    /// Starts a family. A counter's name must end in `_total` (as `promtool check metrics` wants).
    public mutating func family(_ name: String, kind: Kind, help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample of the current family.
    public mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], value: Double) {
        sample(name, labels: Array(labels), valueText: Self.format(value))
    }

    /// One integer sample of the current family.
    public mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], value: Int) {
        sample(name, labels: Array(labels), valueText: String(value))
    }

    private mutating func sample(_ name: String, labels: [(key: String, value: String)], valueText: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                if index > 0 { text += "," }
                text += "\(label.key)=\"\(Self.escapeLabelValue(label.value))\""
            }
            text += "}"
        }
        text += " \(valueText)\n"
    }

    /// A float as Prometheus reads it: `+Inf`, `-Inf`, `NaN`, or Swift's round-tripping digits.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return value.description
    }

    static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ value: String) -> String {
        var out = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
