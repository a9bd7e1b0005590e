import NIOCore
import Testing

@testable import Gateway

/// What a gateway relies on: a request it re-encodes reads back the same, and a backend's answer in
/// either format reads back to the same floats.
@Suite struct EmbeddingsRoundTripTests {
    @Test func requestsReadBackEqual() throws {
        let requests = [
            EmbeddingsRequest(input: .texts(["a \"quoted\"\n text", "é😀", "\u{01}"]), model: "synthetic"),
            EmbeddingsRequest(
                input: .tokens([[101, 7592, 102], [0], [Int32.max]]), model: "m", encodingFormat: .base64,
                dimensions: 384, user: "u"),
        ]
        for request in requests {
            let bytes = request.encoded()
            #expect(try EmbeddingsRequest.decode(ByteBuffer(bytes: bytes)) == request)
        }
    }

    @Test func responsesReadBackInBothFormats() throws {
        let vectors = EmbeddingsResponseTests.awkward + EmbeddingsResponseTests.awkward.reversed()
        let response = EmbeddingsResponse(
            model: "synthetic", vectors: vectors, dimension: EmbeddingsResponseTests.awkward.count, promptTokens: 9)
        for format in EmbeddingsRequest.EncodingFormat.allCases {
            let decoded = try EmbeddingsResponse.decode(ByteBuffer(bytes: response.encoded(format: format)))
            #expect(decoded.model == "synthetic")
            #expect(decoded.promptTokens == 9)
            #expect(decoded.dimension == EmbeddingsResponseTests.awkward.count)
            #expect(decoded.vectors.map(\.bitPattern) == vectors.map(\.bitPattern), "\(format)")
        }
    }

    @Test func rowsAreOrderedByIndex() throws {
        let body =
            #"{"data":[{"embedding":[3,4],"index":1},{"embedding":[1,2],"index":0}],"model":"m","usage":{"prompt_tokens":2,"total_tokens":2}}"#
        #expect(try EmbeddingsResponse.decode(ByteBuffer(string: body)).vectors == [1, 2, 3, 4])
    }

    @Test func malformedResponsesAreBadGateway() {
        let bodies = [
            "not json",
            #"{"data":[],"model":"m"}"#,
            #"{"data":[{"embedding":[1],"index":0},{"embedding":[2],"index":0}],"model":"m","usage":{"prompt_tokens":1}}"#,
            #"{"data":[{"embedding":[1],"index":0},{"embedding":[2,3],"index":1}],"model":"m","usage":{"prompt_tokens":1}}"#,
            #"{"data":[{"embedding":"AAA","index":0}],"model":"m","usage":{"prompt_tokens":1}}"#,
            #"{"data":[{"embedding":"AAAAAAA=","index":0}],"model":"m","usage":{"prompt_tokens":1}}"#,
            #"{"data":[{"embedding":"AA=A","index":0}],"model":"m","usage":{"prompt_tokens":1}}"#,
            #"{"data":[{"embedding":["1"],"index":0}],"model":"m","usage":{"prompt_tokens":1}}"#,
        ]
        for body in bodies {
            #expect(throws: APIError.self, "\(body)") { try EmbeddingsResponse.decode(ByteBuffer(string: body)) }
            do {
                _ = try EmbeddingsResponse.decode(ByteBuffer(string: body))
            } catch {
                #expect(error.status == 502)
            }
        }
    }

    @Test func base64DecoderRefusesWhatIsNotBase64() {
        #expect(Base64.decodeLittleEndianFloats("") == [])
        #expect(Base64.decodeLittleEndianFloats("AACAPw==") == [1])
        #expect(Base64.decodeLittleEndianFloats("AACAPw=") == nil)
        #expect(Base64.decodeLittleEndianFloats("AACA*w==") == nil)
        #expect(Base64.decodeLittleEndianFloats("=AACAPw=") == nil)
    }
}
