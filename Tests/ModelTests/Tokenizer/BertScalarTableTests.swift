import Foundation
import Testing

@testable import Model

/// The precomputed table must say exactly what the Unicode predicates and Foundation's NFD say.
@Suite struct BertScalarTableTests {
    @Test func flagsMatchThePredicatesForEveryTabulatedScalar() {
        let table = BertScalarTable.shared
        var mismatches: [String] = []
        for value in 0..<BertScalarTable.tableLimit {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let expected = BertScalarTable.computeFlags(scalar)
            let actual = table.flags(of: scalar).subtracting(.decomposes)
            if actual != expected { mismatches.append(String(value, radix: 16)) }
        }
        #expect(mismatches.isEmpty, "flags differ for U+\(mismatches.prefix(20).joined(separator: ", U+"))")
    }

    @Test func decompositionsMatchFoundationNFD() {
        let table = BertScalarTable.shared
        var mismatches: [String] = []
        var decomposing = 0
        for value in 0..<BertScalarTable.tableLimit {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let expected = Array(String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars)
            var actual: [Unicode.Scalar] = []
            if table.flags(of: scalar).contains(.decomposes) {
                decomposing += 1
                table.appendDecomposition(of: scalar, to: &actual)
            } else {
                actual = [scalar]
            }
            if actual != expected { mismatches.append(String(value, radix: 16)) }
        }
        #expect(decomposing > 12_000, "Hangul syllables and accented letters decompose")
        #expect(mismatches.isEmpty, "decompositions differ for U+\(mismatches.prefix(20).joined(separator: ", U+"))")
    }

    @Test func classifiesScalarsAboveTheTable() {
        let table = BertScalarTable.shared
        #expect(table.flags(of: "\u{20000}") == .cjkIdeograph)
        #expect(table.flags(of: "\u{2F800}") == [.cjkIdeograph, .decomposes])
        #expect(table.flags(of: "\u{E0001}") == .dropped, "language tag is a format control")
        #expect(table.flags(of: "\u{F0000}") == .dropped, "private use")
        var decomposed: [Unicode.Scalar] = []
        table.appendDecomposition(of: "\u{2F800}", to: &decomposed)
        #expect(decomposed == ["\u{4E3D}"])
    }
}
