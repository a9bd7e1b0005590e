extension Duration {
    /// Seconds with at most one decimal, as `murmur up` prints delays: `0.5s`, `1.1s`, `30s`, `60s`.
    var shortText: String {
        let (seconds, attoseconds) = components
        let tenths = seconds * 10 + (attoseconds + 50_000_000_000_000_000) / 100_000_000_000_000_000
        return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
    }
}
