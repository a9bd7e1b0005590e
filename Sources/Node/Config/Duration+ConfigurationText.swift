import Foundation

extension Duration {
    /// The units a configuration duration may use, longest spelling first so `ms` wins over `m`.
    private static let configurationUnits: [(name: String, nanoseconds: Int64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
        ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    private static let durationHint = "a duration with a unit, like \"500ms\", \"1s\", \"2m\" or \"24h\""

    /// Parses a configuration duration: a number with a unit (`ns`, `us`, `ms`, `s`, `m`, `h`), or
    /// several in a row (`1m30s`); fractions are allowed (`1.5s`); a bare `0` is zero.
    init(configurationText text: String) throws(InvalidValue) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw InvalidValue("expected \(Self.durationHint), got an empty string")
        }
        if trimmed == "0" {
            self = .zero
            return
        }
        var rest = Substring(trimmed)
        var total: Int64 = 0
        while !rest.isEmpty {
            let whole = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(whole.count)
            var fraction = Substring()
            if rest.first == "." {
                rest = rest.dropFirst()
                fraction = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(fraction.count)
            }
            guard !whole.isEmpty || !fraction.isEmpty else {
                throw InvalidValue("expected \(Self.durationHint), got \"\(text)\"")
            }
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unitText.count)
            guard let unit = Self.configurationUnits.first(where: { $0.name == unitText }) else {
                if unitText.isEmpty {
                    throw InvalidValue("\"\(text)\" has no unit; write \(Self.durationHint)")
                }
                throw InvalidValue(
                    "\"\(text)\" has unknown unit \"\(unitText)\"; use ns, us, ms, s, m or h, like \"500ms\" or \"2m\"")
            }
            guard let part = Self.nanoseconds(whole: whole, fraction: fraction, unit: unit.nanoseconds) else {
                throw InvalidValue("\"\(text)\" is too long a duration")
            }
            let (sum, overflow) = total.addingReportingOverflow(part)
            guard !overflow else { throw InvalidValue("\"\(text)\" is too long a duration") }
            total = sum
        }
        self = .nanoseconds(total)
    }

    /// `whole.fraction` units in nanoseconds, or nil on overflow.
    private static func nanoseconds(whole: Substring, fraction: Substring, unit: Int64) -> Int64? {
        var wholeValue: Int64 = 0
        for digit in whole.utf8 {
            let (times10, overflow1) = wholeValue.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { return nil }
            wholeValue = next
        }
        let (wholeNanoseconds, overflow) = wholeValue.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        // Digits past nanosecond precision cannot change the result, so at most 18 are read.
        let fractionValue = Double("0." + (fraction.isEmpty ? "0" : fraction.prefix(18))) ?? 0
        let fractionNanoseconds = Int64((fractionValue * Double(unit)).rounded())
        let (sum, overflowSum) = wholeNanoseconds.addingReportingOverflow(fractionNanoseconds)
        return overflowSum ? nil : sum
    }

    /// The shortest exact configuration spelling: `"500ms"`, `"1s"`, `"2m"`, `"24h"`, `"0s"`.
    var configurationText: String {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return "\(seconds)s" }
        let nanoseconds = scaled + attoseconds / 1_000_000_000
        if nanoseconds == 0 { return "0s" }
        for unit in Self.configurationUnits.reversed() where unit.name != "µs" {
            if nanoseconds % unit.nanoseconds == 0 { return "\(nanoseconds / unit.nanoseconds)\(unit.name)" }
        }
        return "\(nanoseconds)ns"
    }
}
