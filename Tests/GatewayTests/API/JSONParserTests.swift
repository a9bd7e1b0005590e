import Foundation
import Testing

@testable import Gateway

private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
    try JSONParser.parse(Array(text.utf8))
}

private func parseError(_ bytes: [UInt8]) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String) -> JSONParseError? {
    parseError(Array(text.utf8))
}

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null, "x"], "b": {}, "c": []} "#)
        #expect(
            value
                == .object([
                    JSONMember(
                        key: "a",
                        value: .array([
                            .number(JSONNumber(literal: "1")), .number(JSONNumber(literal: "-2.5e3")), .bool(true),
                            .bool(false), .null, .string("x"),
                        ])),
                    JSONMember(key: "b", value: .object([])),
                    JSONMember(key: "c", value: .array([])),
                ]))
    }

    @Test func duplicateKeysLastWins() throws {
        let value = try parse(#"{"model":"a","model":"b"}"#)
        #expect(value["model"] == .string("b"))
    }

    @Test func stringEscapesAndSurrogatePairs() throws {
        let value = try parse(#""q\" b\\ s\/ \b\f\n\r\t \u00e9 \uD83D\uDE00 é""#)
        #expect(value == .string("q\" b\\ s/ \u{08}\u{0C}\n\r\t é 😀 é"))
    }

    @Test func agreesWithFoundationOnValidDocuments() throws {
        let documents = [
            #"{"input":["héllo","wörld \ud83d\ude00"],"model":"m","n":[0,-0,1.5,1e2,-3E-2]}"#,
            #"[[1,2],[3],"a\tb",{"k":{"k":{"k":null}}}]"#,
            #""just a string""#,
        ]
        for document in documents {
            let mine = try parse(document)
            let theirs = try JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed])
            #expect(Self.matches(mine, theirs), "\(document)")
        }
    }

    private static func matches(_ mine: JSONValue, _ theirs: Any) -> Bool {
        switch mine {
        case .null: return theirs is NSNull
        case .bool(let value): return (theirs as? Bool) == value
        case .number(let number): return (theirs as? NSNumber)?.doubleValue == number.double
        case .string(let value): return (theirs as? String) == value
        case .array(let elements):
            guard let other = theirs as? [Any], other.count == elements.count else { return false }
            return zip(elements, other).allSatisfy { matches($0, $1) }
        case .object(let members):
            guard let other = theirs as? [String: Any], other.count == members.count else { return false }
            return members.allSatisfy { member in other[member.key].map { matches(member.value, $0) } ?? false }
        }
    }

    @Test func deepNestingIsRefusedAtTheLimitNotByTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = parseError(deep)
        #expect(error?.offset == JSONParser.defaultMaxDepth)
        #expect(error?.reason.contains("nested deeper than 64") == true)

        let deepObjects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(parseError(deepObjects)?.offset == 5 * JSONParser.defaultMaxDepth)

        let atLimit = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(parseError(atLimit) == nil)
    }

    @Test func invalidUTF8IsRefusedWithItsOffset() {
        // A stray continuation byte, a truncated sequence, an overlong '/', an encoded surrogate,
        // and a code point above U+10FFFF.
        let cases: [([UInt8], Int)] = [
            (Array(#""ab"#.utf8) + [0x80] + Array(#"""#.utf8), 3),
            (Array(#""é"#.utf8) + [0xE2, 0x82] + Array(#"""#.utf8), 3),
            (Array(#"""#.utf8) + [0xC0, 0xAF] + Array(#"""#.utf8), 1),
            (Array(#"""#.utf8) + [0xED, 0xA0, 0x80] + Array(#"""#.utf8), 1),
            (Array(#"""#.utf8) + [0xF4, 0x90, 0x80, 0x80] + Array(#"""#.utf8), 1),
            ([0xFF], 0),
        ]
        for (bytes, offset) in cases {
            let error = parseError(bytes)
            #expect(error?.offset == offset, "\(bytes)")
            #expect(error?.reason == "invalid UTF-8", "\(bytes)")
        }
    }

    @Test func nanAndInfinityLiteralsAreNotJSON() {
        for literal in ["NaN", "nan", "Infinity", "-Infinity", "+1", "inf", ".5", "1.", "1e", "01", "-", "0x10", "tru"]
        {
            #expect(parseError(#"{"x":"# + literal + "}") != nil, "\(literal)")
        }
        #expect(parseError(#"{"x":NaN}"#)?.offset == 5)
        #expect(parseError(#"{"x":01}"#)?.offset == 6)
    }

    @Test func hugeNumbersParseWithoutCrashing() throws {
        let digits = String(repeating: "9", count: 10_000)
        let value = try parse("[\(digits), 1e999999, -1e-999999]")
        guard case .array(let numbers) = value, numbers.count == 3,
            case .number(let big) = numbers[0], case .number(let huge) = numbers[1]
        else {
            Issue.record("expected three numbers, got \(value)")
            return
        }
        #expect(big.integer == nil)
        #expect(huge.integer == nil)
        #expect(huge.double == .infinity)
        #expect(JSONNumber(literal: "9223372036854775807").integer == Int.max)
        #expect(JSONNumber(literal: "9223372036854775808").integer == nil)
        #expect(JSONNumber(literal: "3.0").integer == nil)
        #expect(JSONNumber(literal: "3e0").integer == nil)
    }

    @Test func trailingGarbageIsRefused() {
        #expect(parseError(#"{"a":1}x"#)?.offset == 7)
        #expect(parseError(#"{"a":1} {"b":2}"#)?.offset == 8)
        #expect(parseError("[1,]")?.offset == 3)
        #expect(parseError(#"{"a":1,}"#)?.offset == 7)
        #expect(parseError("")?.offset == 0)
        #expect(parseError("   ")?.offset == 3)
        #expect(parseError(#"{"a" 1}"#)?.offset == 5)
        #expect(parseError(#"{a:1}"#)?.offset == 1)
        #expect(parseError(#"{"a":1"#)?.offset == 6)
        #expect(parseError(#"["abc"#)?.offset == 5)
    }

    @Test func badStringContentsAreRefused() {
        #expect(parseError("\"a\u{01}b\"")?.offset == 2)
        #expect(parseError("\"a\nb\"")?.offset == 2)
        #expect(parseError("\"ab\u{1F}\"")?.offset == 3)
        #expect(parseError("\"a\\n\u{1F}\"")?.offset == 4)
        #expect(parseError(#""\x""#)?.offset == 2)
        #expect(parseError(#""\u12G4""#)?.offset == 5)
        #expect(parseError(#""ok \uD800 alone""#)?.offset == 4)
        #expect(parseError(#""\uDC00""#)?.offset == 1)
        #expect(parseError(#""\uD83D\u0041""#)?.offset == 1)
        #expect(parseError(#""\"#) != nil)
    }
}
