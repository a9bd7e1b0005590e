/// The character classes of Hugging Face's BERT normalizer and pre-tokenizer.
///
/// `tokenizers` (Rust) takes "control", "non-spacing mark" and "punctuation" from the
/// `unicode_categories` crate, whose tables are Unicode 8.0: a scalar assigned after 8.0 is
/// unassigned there, so it is never dropped, stripped or split off, and a few scalars are
/// classified by their 8.0 category, which has since changed. Whitespace and lowercasing come
/// from Rust's standard library, which follows current Unicode, as Swift's does.
extension Unicode.Scalar {
    /// The Unicode version of the `unicode_categories` tables.
    private static let bertCategoryVersion: Unicode.Version = (major: 8, minor: 0)

    /// The general category that `unicode_categories` gives this scalar, or nil when it was not
    /// assigned in Unicode 8.0 (Cn there, which the BERT rules never look at).
    var bertCategory: Unicode.GeneralCategory? {
        guard let age = properties.age,
            age.major < Self.bertCategoryVersion.major
                || (age.major == Self.bertCategoryVersion.major && age.minor <= Self.bertCategoryVersion.minor)
        else { return nil }
        switch value {
        // Categories that changed after Unicode 8.0, as the 8.0 tables have them.
        case 0x111C9, 0x166D: return .otherPunctuation
        case 0x1734, 0x1171E: return .nonspacingMark
        case 0x1885, 0x1886: return .otherLetter
        case 0xA9BD: return .spacingMark
        default: return properties.generalCategory
        }
    }

    /// Dropped by `clean_text`: NUL, U+FFFD and "other" scalars (Cc, Cf, Co, Cs), except the
    /// whitespace controls tab, line feed and carriage return.
    var isBertDropped: Bool {
        switch value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x00, 0xFFFD: return true
        case 0x01..<0x20, 0x7F: return true
        case 0x20..<0x7F: return false
        default:
            switch bertCategory {
            case .control, .format, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// Mapped to a plain space by `clean_text` and split on by the pre-tokenizer: tab, line feed,
    /// carriage return and Unicode White_Space (Rust's `char::is_whitespace`).
    var isBertWhitespace: Bool {
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20: return true
        case 0x00..<0x80: return false
        default: return properties.isWhitespace
        }
    }

    /// A CJK ideograph, which the normalizer surrounds with spaces so each is its own word.
    var isBertCJKIdeograph: Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// A non-spacing mark (Mn), removed after NFD when accents are stripped.
    var isBertNonspacingMark: Bool {
        value >= 0x300 && bertCategory == .nonspacingMark
    }

    /// Isolated as its own word by the pre-tokenizer: ASCII punctuation (which includes symbols
    /// such as `$+<=>^`|~`) and Unicode punctuation (P*).
    var isBertPunctuation: Bool {
        switch value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0x00..<0x80: return false
        default:
            switch bertCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                .initialPunctuation, .finalPunctuation, .otherPunctuation:
                return true
            default:
                return false
            }
        }
    }
}
