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
