import NIOCore
import Testing

@testable import Gateway

private func decode(_ text: String, maxInputs: Int = 2048) throws(APIError) -> EmbeddingsRequest {
    try EmbeddingsRequest.decode(ByteBuffer(string: text), maxInputs: maxInputs)
}

private func decodeError(_ text: String, maxInputs: Int = 2048) -> APIError? {
    decodeError(bytes: Array(text.utf8), maxInputs: maxInputs)
}

private func decodeError(bytes: [UInt8], maxInputs: Int = 2048) -> APIError? {
    do {
        _ = try EmbeddingsRequest.decode(ByteBuffer(bytes: bytes), maxInputs: maxInputs)
        return nil
    } catch {
        return error
    }
}

@Suite struct EmbeddingsRequestTests {
    @Test func aSingleStringWithDefaults() throws {
        let request = try decode(#"{"input":"hello world","model":"synthetic"}"#)
        #expect(request == EmbeddingsRequest(input: .texts(["hello world"]), model: "synthetic"))
        #expect(request.encodingFormat == .float)
    }

    @Test func aListOfStringsWithEveryOption() throws {
        let request = try decode(
            #"{"input":["a","b c"],"model":"m","encoding_format":"base64","dimensions":384,"user":"u-1","extra":[1]}"#)
        #expect(request.input == .texts(["a", "b c"]))
        #expect(request.encodingFormat == .base64)
        #expect(request.dimensions == 384)
        #expect(request.user == "u-1")
    }

    @Test func nullOptionalFieldsMeanAbsent() throws {
        let request = try decode(#"{"input":"x","model":"m","encoding_format":null,"dimensions":null,"user":null}"#)
        #expect(request == EmbeddingsRequest(input: .texts(["x"]), model: "m"))
    }

    @Test func tokenArrays() throws {
        #expect(try decode(#"{"input":[101,7592,102],"model":"m"}"#).input == .tokens([[101, 7592, 102]]))
        #expect(try decode(#"{"input":[[101,102],[5]],"model":"m"}"#).input == .tokens([[101, 102], [5]]))
    }

    @Test func duplicateKeysLastWins() throws {
        let request = try decode(#"{"model":"first","input":"x","model":"second"}"#)
        #expect(request.model == "second")
    }

    @Test func missingOrMistypedFieldsNameTheirParam() {
        let cases: [(String, String)] = [
            (#"{"input":"x"}"#, "model"),
            (#"{"input":"x","model":null}"#, "model"),
            (#"{"input":"x","model":5}"#, "model"),
            (#"{"model":"m"}"#, "input"),
            (#"{"model":"m","input":null}"#, "input"),
            (#"{"model":"m","input":""}"#, "input"),
            (#"{"model":"m","input":[]}"#, "input"),
            (#"{"model":"m","input":["a",""]}"#, "input"),
            (#"{"model":"m","input":["a",1]}"#, "input"),
            (#"{"model":"m","input":["a",null]}"#, "input"),
            (#"{"model":"m","input":[true]}"#, "input"),
            (#"{"model":"m","input":{"text":"a"}}"#, "input"),
            (#"{"model":"m","input":42}"#, "input"),
            (#"{"model":"m","input":[1,"a"]}"#, "input"),
            (#"{"model":"m","input":[1.5]}"#, "input"),
            (#"{"model":"m","input":[-1]}"#, "input"),
            (#"{"model":"m","input":[4294967296]}"#, "input"),
            (#"{"model":"m","input":[1e400]}"#, "input"),
            (#"{"model":"m","input":[[1],[]]}"#, "input"),
            (#"{"model":"m","input":[[1],2]}"#, "input"),
            (#"{"model":"m","input":"x","encoding_format":"int8"}"#, "encoding_format"),
            (#"{"model":"m","input":"x","encoding_format":1}"#, "encoding_format"),
            (#"{"model":"m","input":"x","dimensions":"384"}"#, "dimensions"),
            (#"{"model":"m","input":"x","dimensions":0}"#, "dimensions"),
            (#"{"model":"m","input":"x","dimensions":38.4}"#, "dimensions"),
            (#"{"model":"m","input":"x","dimensions":1e999}"#, "dimensions"),
            (#"{"model":"m","input":"x","user":7}"#, "user"),
        ]
        for (body, param) in cases {
            let error = decodeError(body)
            #expect(error?.status == 400, "\(body)")
            #expect(error?.param == param, "\(body)")
            #expect(error?.type == "invalid_request_error", "\(body)")
        }
    }

    @Test func malformedBodiesAre400WithTheOffset() {
        let deep = #"{"model":"m","input":"# + String(repeating: "[", count: 100_000)
        let cases: [(String, String)] = [
            ("", "at byte 0"),
            (#"{"model":"m","input":"x"} trailing"#, "at byte 26"),
            (#"{"model":"m","input":NaN}"#, "at byte 21"),
            (#"{"model":"m","input":[Infinity]}"#, "at byte 22"),
            (deep, "nested deeper than 64 levels at byte 84"),
            ("[\"x\"]", "must be a JSON object"),
            ("null", "must be a JSON object"),
        ]
        for (body, fragment) in cases {
            let error = decodeError(body)
            #expect(error?.status == 400, "\(body.prefix(40))")
            #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
        }
    }

    @Test func invalidUTF8Is400() {
        let bytes = Array(#"{"model":"m","input":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let error = decodeError(bytes: bytes)
        #expect(error?.status == 400)
        #expect(error?.code == "invalid_json")
        #expect(error?.message.contains("invalid UTF-8 at byte 22") == true)
    }

    @Test func tooManyInputsIs413() throws {
        let four = #"{"model":"m","input":["a","b","c","d"]}"#
        #expect(decodeError(four, maxInputs: 4) == nil)
        let error = decodeError(four, maxInputs: 3)
        #expect(error?.status == 413)
        #expect(error?.param == "input")
        #expect(decodeError(#"{"model":"m","input":[[1],[2],[3],[4]]}"#, maxInputs: 3)?.status == 413)
        // One token array is one input, however long.
        #expect(try decode(#"{"model":"m","input":[1,2,3,4,5]}"#, maxInputs: 1).input.count == 1)

        let many = (0..<2049).map { "\"t\($0)\"" }.joined(separator: ",")
        #expect(decodeError(#"{"model":"m","input":["# + many + "]}")?.status == 413)
    }
}
