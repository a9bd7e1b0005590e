import Foundation
import Testing

@testable import Model

/// Scalar by scalar agreement with Hugging Face `tokenizers`: for each block of 256 scalars in
/// planes 0–2 and the tags block, the ids of "x<scalar>y" hash to what the fixture recorded.
@Suite struct WordPieceTokenizerScalarTests {
    private struct Block: Decodable {
        let start: UInt32
        let hash: String
    }

    private struct Fixture: Decodable {
        let blockSize: UInt32
        let blocks: [Block]

        enum CodingKeys: String, CodingKey {
            case blockSize = "block_size"
            case blocks
        }
    }

    @Test func everyScalarTokenizesAsInHuggingFace() throws {
        let tokenizer = try MiniLMTokenizer.load()
        let url = MiniLMTokenizer.repositoryRoot.appendingPathComponent(
            "Tests/ModelTests/Fixtures/tokenizer-scalars.json")
        let data = try #require(FileManager.default.contents(atPath: url.path), "tokenizer-scalars.json is missing")
        let fixture = try JSONDecoder().decode(Fixture.self, from: data)
        #expect(fixture.blocks.count == 770)
        var differing: [String] = []
        for block in fixture.blocks {
            let hash = Self.hashOfIDs(tokenizer, from: block.start, count: fixture.blockSize)
            if String(hash, radix: 16).leftPadded(to: 16) != block.hash {
                differing.append("U+" + String(block.start, radix: 16, uppercase: true))
            }
        }
        #expect(differing.isEmpty, "blocks that tokenize differently: \(differing.joined(separator: ", "))")
    }

    /// FNV-1a 64 over the ids of "x<c>y" (no specials) for each scalar c of the block, each id
    /// list as little-endian Int32 followed by -1, as the fixture generator computes it.
    private static func hashOfIDs(_ tokenizer: WordPieceTokenizer, from start: UInt32, count: UInt32) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ id: Int32) {
            for shift in stride(from: 0, to: 32, by: 8) {
                hash = (hash ^ UInt64(UInt32(bitPattern: id) >> UInt32(shift) & 0xFF)) &* 0x100_0000_01b3
            }
        }
        for value in start..<start + count {
            guard let scalar = Unicode.Scalar(value) else { continue }
            var text = "x"
            text.unicodeScalars.append(scalar)
            text.unicodeScalars.append("y")
            for id in tokenizer.encode(text).dropFirst().dropLast() { mix(id) }
            mix(-1)
        }
        return hash
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
