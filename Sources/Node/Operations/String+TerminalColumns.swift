extension String {
    /// The text with control characters (ESC, CR, tabs, …) replaced by `?`, so a member name or hint
    /// from the network cannot move the cursor or recolour the terminal.
    var terminalSafe: String {
        guard unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return self }
        var scalars = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            scalars.append(scalar.properties.generalCategory == .control ? "?" : scalar)
        }
        return String(scalars)
    }

    /// How many terminal columns the text takes: East Asian wide characters and emoji take two,
    /// combining marks and other zero-width scalars none, everything else one per character.
    var terminalColumns: Int {
        var columns = 0
        for character in self {
            columns += character.terminalColumns
        }
        return columns
    }

    /// The text followed (`.left`) or preceded (`.right`) by spaces up to `width` columns.
    func padded(to width: Int, alignment: TextAlignment) -> String {
        let missing = width - terminalColumns
        guard missing > 0 else { return self }
        let spaces = String(repeating: " ", count: missing)
        return alignment == .left ? self + spaces : spaces + self
    }
}
