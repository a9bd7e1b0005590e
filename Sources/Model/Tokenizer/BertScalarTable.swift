import Foundation

/// The BERT character classes and canonical decompositions of every scalar below U+20000,
/// computed once per process so that tokenizing non-ASCII text costs one array load per scalar
/// instead of several Unicode property searches and a Foundation normalization per text.
///
/// The flags come from the `Unicode.Scalar` BERT predicates and the decompositions from
/// Foundation's NFD, so the table holds exactly what the slower path would compute. Scalars
/// from U+20000 up (CJK extensions, tags, private use) are classified on the fly.
struct BertScalarTable: Sendable {
    /// What the BERT normalizer and pre-tokenizer do with a scalar.
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        /// Removed by `clean_text`.
        static let dropped = Flags(rawValue: 1 << 0)
        /// Whitespace: becomes a space, then separates words.
        static let whitespace = Flags(rawValue: 1 << 1)
        /// A CJK ideograph, spaced apart from its neighbours.
        static let cjkIdeograph = Flags(rawValue: 1 << 2)
        /// A non-spacing mark, stripped with the accents.
        static let nonspacingMark = Flags(rawValue: 1 << 3)
        /// Punctuation: a word of its own.
        static let punctuation = Flags(rawValue: 1 << 4)
        /// Lowercasing changes it.
        static let changesWhenLowercased = Flags(rawValue: 1 << 5)
        /// NFD replaces it with other scalars.
        static let decomposes = Flags(rawValue: 1 << 6)
        /// A nonzero canonical combining class: NFD may reorder it.
        static let combining = Flags(rawValue: 1 << 7)
    }

    /// Scalars below this are in the table.
    static let tableLimit: UInt32 = 0x2_0000

    static let shared = BertScalarTable()

    private let flags: [Flags]
    /// Full canonical decompositions of the tabulated scalars that have one, Hangul excepted.
    private let decompositions: [UInt32: [Unicode.Scalar]]

    private init() {
        var flags = [Flags](repeating: [], count: Int(Self.tableLimit))
        var decompositions: [UInt32: [Unicode.Scalar]] = [:]
        for value in 0..<Self.tableLimit {
            guard let scalar = Unicode.Scalar(value) else { continue }
            // Unassigned scalars have no category, case, combining class or decomposition;
            // skipping their property lookups halves the time this table takes to build.
            guard scalar.properties.age != nil else {
                flags[Int(value)] = scalar.isBertCJKIdeograph ? .cjkIdeograph : []
                continue
            }
            var scalarFlags = Self.computeFlags(scalar)
            if Self.mayDecompose(value) {
                let decomposition = Array(String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars)
                if decomposition != [scalar] {
                    scalarFlags.insert(.decomposes)
                    decompositions[value] = decomposition
                }
            } else if Self.isHangulSyllable(value) {
                scalarFlags.insert(.decomposes)
            }
            flags[Int(value)] = scalarFlags
        }
        self.flags = flags
        self.decompositions = decompositions
    }

    @inline(__always)
    func flags(of scalar: Unicode.Scalar) -> Flags {
        scalar.value < Self.tableLimit ? flags[Int(scalar.value)] : Self.computeFlags(scalar)
    }

    /// Appends the NFD decomposition of a scalar whose flags include `.decomposes`.
    func appendDecomposition(of scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        if Self.isHangulSyllable(scalar.value) {
            Self.appendHangulDecomposition(of: scalar.value, to: &output)
        } else if let decomposition = decompositions[scalar.value] {
            output.append(contentsOf: decomposition)
        } else {
            output.append(contentsOf: String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars)
        }
    }

    /// The flags of any scalar, from the BERT predicates. Above the table, only the CJK
    /// compatibility supplement (U+2F800–U+2FA1F) has canonical decompositions.
    static func computeFlags(_ scalar: Unicode.Scalar) -> Flags {
        var flags: Flags = []
        if scalar.isBertDropped { flags.insert(.dropped) }
        if scalar.isBertWhitespace { flags.insert(.whitespace) }
        if scalar.isBertCJKIdeograph { flags.insert(.cjkIdeograph) }
        if scalar.isBertNonspacingMark { flags.insert(.nonspacingMark) }
        if scalar.isBertPunctuation { flags.insert(.punctuation) }
        if scalar.properties.changesWhenLowercased { flags.insert(.changesWhenLowercased) }
        if scalar.properties.canonicalCombiningClass.rawValue != 0 { flags.insert(.combining) }
        if scalar.value >= tableLimit && (0x2F800...0x2FA1F).contains(scalar.value) { flags.insert(.decomposes) }
        return flags
    }

    /// False for blocks that have no canonical decompositions by Unicode's stability policy
    /// (CJK unified ideographs, private use) and for Hangul syllables, decomposed by formula.
    private static func mayDecompose(_ value: UInt32) -> Bool {
        switch value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xE000...0xF8FF: false
        default: true
        }
    }

    private static func isHangulSyllable(_ value: UInt32) -> Bool { (0xAC00...0xD7A3).contains(value) }

    /// The Hangul syllable decomposition of Unicode §3.12: leading consonant, vowel, and an
    /// optional trailing consonant.
    private static func appendHangulDecomposition(of value: UInt32, to output: inout [Unicode.Scalar]) {
        let index = value - 0xAC00
        let (leading, rest) = index.quotientAndRemainder(dividingBy: 21 * 28)
        let (vowel, trailing) = rest.quotientAndRemainder(dividingBy: 28)
        if let scalar = Unicode.Scalar(0x1100 + leading) { output.append(scalar) }
        if let scalar = Unicode.Scalar(0x1161 + vowel) { output.append(scalar) }
        if trailing != 0, let scalar = Unicode.Scalar(0x11A7 + trailing) { output.append(scalar) }
    }
}
