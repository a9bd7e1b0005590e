/// A JSON number as written, already checked against RFC 8259's grammar.
public struct JSONNumber: Sendable, Hashable {
    /// The literal, e.g. `-12`, `0.5`, `1e400`.
    public var literal: String

    public init(literal: String) {
        self.literal = literal
    }

    /// The exact integer, or `nil` when the literal has a fraction or exponent or does not fit an `Int`.
    public var integer: Int? {
        guard !literal.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") })
        else { return nil }
        return Int(literal)
    }

    /// The nearest `Double`; literals beyond its range give an infinity.
    public var double: Double {
        Double(literal) ?? .nan
    }
}
