/// A parsed JSON document, as `JSONParser` builds it.
///
/// Objects keep their members in document order, duplicates included; `subscript(key:)` answers
/// the last one, as `JSONSerialization` does. Numbers keep their literal so that a caller decides
/// how to read them (an exact integer, or a `Double`) and a huge literal is an error of that
/// caller's choosing instead of a silent `inf`.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The value of the last member named `key`, or `nil` when there is none (or this is not an object).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// What a person calls this kind of value in an error message.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

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
