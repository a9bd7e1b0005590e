import Foundation
import Testing

@testable import Gateway

@Suite struct EmbeddingsResponseTests {
    /// Floats that stress printing: tiny, huge, negative zero, subnormal, and values with long digits.
    static let awkward: [Float] = [
        0.1, -0.0, 1, -1, 1e-7, 3.4028235e38, Float.leastNormalMagnitude, Float.leastNonzeroMagnitude, 0.33333334,
        -0.012345678, 123456.79, 2.5e-5,
    ]

    private func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func floatFormatRoundTripsThroughFoundation() throws {
        let vectors = Self.awkward + Self.awkward.map { -$0 }
        let response = EmbeddingsResponse(
            model: "m\"x", vectors: vectors, dimension: Self.awkward.count, promptTokens: 17)
        let json = try object(response.encoded(format: .float))
        #expect(json["object"] as? String == "list")
        #expect(json["model"] as? String == "m\"x")
        let usage = try #require(json["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == 17)
        #expect(usage["total_tokens"] as? Int == 17)
        let data = try #require(json["data"] as? [[String: Any]])
        #expect(data.count == 2)
        for (row, item) in data.enumerated() {
            #expect(item["object"] as? String == "embedding")
            #expect(item["index"] as? Int == row)
            let numbers = try #require(item["embedding"] as? [NSNumber])
            let floats = numbers.map { Float($0.doubleValue) }
            let expected = Array(vectors[(row * Self.awkward.count)..<((row + 1) * Self.awkward.count)])
            #expect(floats == expected)
        }
    }

    @Test func base64DecodesToTheSameLittleEndianFloats() throws {
        // 1, 2 and 3 floats leave 1, 2 and 0 bytes over a 3-byte group: every padding case.
        for dimension in 1...3 {
            let vectors = Array(Self.awkward.prefix(dimension * 4))
            let response = EmbeddingsResponse(model: "m", vectors: vectors, dimension: dimension, promptTokens: 1)
            let data = try #require(try object(response.encoded(format: .base64))["data"] as? [[String: Any]])
            #expect(data.count == 4)
            for (row, item) in data.enumerated() {
                let text = try #require(item["embedding"] as? String)
                let bytes = try #require(Data(base64Encoded: text))
                #expect(bytes.count == dimension * 4)
                let floats = stride(from: 0, to: bytes.count, by: 4).map { offset in
                    let bits = (0..<4).reduce(UInt32(0)) {
                        $0 | UInt32(bytes[bytes.startIndex + offset + $1]) << (8 * $1)
                    }
                    return Float(bitPattern: bits)
                }
                let expected = Array(vectors[(row * dimension)..<((row + 1) * dimension)])
                #expect(floats.map(\.bitPattern) == expected.map(\.bitPattern))
            }
        }
    }

    @Test func base64MatchesFoundationsEncoder() {
        let floats: [Float] = (0..<385).map { Float($0) * 0.37 - 50 }
        var ours: [UInt8] = []
        floats.withUnsafeBufferPointer { Base64.appendLittleEndian($0, to: &ours) }
        var bytes = Data()
        for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        #expect(String(decoding: ours, as: UTF8.self) == bytes.base64EncodedString())
    }

    @Test func emptyResultAndNonFiniteValues() throws {
        let empty = try object(
            EmbeddingsResponse(model: "m", vectors: [], dimension: 384, promptTokens: 0).encoded(format: .float))
        #expect((empty["data"] as? [Any])?.isEmpty == true)
        let odd = EmbeddingsResponse(model: "m", vectors: [.nan, .infinity, 1], dimension: 3, promptTokens: 1)
        let text = String(decoding: odd.encoded(format: .float), as: UTF8.self)
        #expect(text.contains(#""embedding":[null,null,1.0]"#))
        _ = try object(odd.encoded(format: .float))
    }

    @Test func modelListIsOpenAIShaped() throws {
        let json = try object(ModelList(names: ["all-MiniLM-L6-v2", "synthetic"]).encoded())
        #expect(json["object"] as? String == "list")
        let data = try #require(json["data"] as? [[String: Any]])
        #expect(data.map { $0["id"] as? String } == ["all-MiniLM-L6-v2", "synthetic"])
        for item in data {
            #expect(item["object"] as? String == "model")
            #expect(item["created"] as? Int == 0)
            #expect(item["owned_by"] as? String == "murmur")
        }
    }
}
