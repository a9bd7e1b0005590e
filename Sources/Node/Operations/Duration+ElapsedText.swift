extension Duration {
    /// Elapsed time for progress lines: `0.4s`, `12.3s`.
    var elapsedText: String {
        StatusTable.decimal(max(0, inSeconds), places: 1) + "s"
    }
}
