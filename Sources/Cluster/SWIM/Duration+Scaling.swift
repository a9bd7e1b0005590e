extension Duration {
    /// Whole nanoseconds (the core's time resolution).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    /// This duration multiplied by a real factor, rounded to the nanosecond.
    func scaled(by factor: Double) -> Duration {
        .nanoseconds(Int64((Double(nanoseconds) * factor).rounded()))
    }
}
