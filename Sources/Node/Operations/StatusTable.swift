/// The text `murmur status` prints: an aligned table of members, the verdict line, then hints.
///
/// A pure function of the document and the current time, so fixed documents give fixed text.
enum StatusTable {
    /// Column titles, in order; the numeric ones are right-aligned.
    static let columns: [(title: String, alignment: TextAlignment)] = [
        ("NAME", .left), ("ROLE", .left), ("STATE", .left), ("HEALTH", .left), ("ADDRESS", .left),
        ("MODELS", .left), ("IN-FLIGHT", .right), ("REQ/S", .right), ("P99", .right),
        ("CACHE", .right), ("INCARNATION", .right), ("UPTIME", .right), ("VERSION", .left),
    ]

    /// The whole report, ending with a newline.
    ///
    /// - Parameter now: the current time in unix seconds, to show uptime from `started_at` when a
    ///   member has no `uptime_s`.
    static func render(_ document: ClusterDocument, now: Double) -> String {
        var lines = table(rows(document, now: now))
        lines.append("")
        lines.append(StatusVerdict(document).line)
        for hint in document.hints {
            // Hints usually name their member already; prefix it only when the message does not.
            let member = hint.member.flatMap { hint.message.contains($0) ? nil : "\($0.terminalSafe): " } ?? ""
            lines.append("\(hint.severity.terminalSafe): \(member)\(hint.message.terminalSafe)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row of cells per member: gateways first, then nodes, then members of unknown role, each
    /// group in name order.
    static func rows(_ document: ClusterDocument, now: Double) -> [[String]] {
        func group(_ member: ClusterMember) -> Int { member.isGateway ? 0 : member.isNode ? 1 : 2 }
        let ordered = document.members.sorted {
            (group($0), $0.name) < (group($1), $1.name)
        }
        return ordered.map { row(for: $0, now: now) }
    }

    static func row(for member: ClusterMember, now: Double) -> [String] {
        let gone = member.state == .dead || member.state == .left
        var uptime = member.uptimeSeconds
        if uptime == nil, let startedAt = member.startedAt { uptime = now - startedAt }
        return [
            member.name.terminalSafe,
            cell(member.role),
            cell(member.state?.description),
            cell(member.health?.description),
            cell(member.http),
            member.models.isEmpty ? "-" : member.models.joined(separator: ",").terminalSafe,
            cell(member.inFlight.map(String.init)),
            cell(member.requestsPerSecond.map(rateText)),
            cell(member.p99Milliseconds.map(latencyText)),
            cell(member.cacheHitRate.map(percentText)),
            cell(member.incarnation.map(String.init)),
            gone ? "-" : cell(uptime.map(uptimeText)),
            cell(member.version),
        ]
    }

    /// Lines of the table: the header, then each row, columns two spaces apart, no trailing spaces.
    static func table(_ rows: [[String]]) -> [String] {
        let header = columns.map(\.title)
        var widths = header.map(\.terminalColumns)
        for row in rows {
            for (index, text) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], text.terminalColumns)
            }
        }
        return ([header] + rows).map { row in
            var line = ""
            for (index, text) in row.enumerated() where index < widths.count {
                if index > 0 { line += "  " }
                line += text.padded(to: widths[index], alignment: columns[index].alignment)
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    private static func cell(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "-" }
        return text.terminalSafe
    }

    /// Seconds as `42s`, `3m12s`, `2h05m`, `4d07h`.
    static func uptimeText(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let total = Int(max(0, seconds.rounded(.down)).clamped(to: 0...1e15))
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        switch total {
        case ..<60: return "\(total)s"
        case ..<3_600: return "\(total / 60)m\(two(total % 60))s"
        case ..<86_400: return "\(total / 3_600)h\(two(total % 3_600 / 60))m"
        default: return "\(total / 86_400)d\(two(total % 86_400 / 3_600))h"
        }
    }

    /// Milliseconds as `0.42ms`, `4.1ms`, `123ms`, `1.5s`, `12s`.
    static func latencyText(_ milliseconds: Double) -> String {
        guard milliseconds.isFinite, milliseconds >= 0 else { return "-" }
        switch milliseconds {
        case ..<1: return decimal(milliseconds, places: 2) + "ms"
        case ..<10: return decimal(milliseconds, places: 1) + "ms"
        case ..<1_000: return decimal(milliseconds, places: 0) + "ms"
        case ..<10_000: return decimal(milliseconds / 1_000, places: 1) + "s"
        default: return decimal(milliseconds / 1_000, places: 0) + "s"
        }
    }

    /// A share (0…1) as a whole percentage, `93%`; out-of-range shares are clamped, non-finite ones `-`.
    static func percentText(_ share: Double) -> String {
        guard share.isFinite else { return "-" }
        return decimal(share.clamped(to: 0...1) * 100, places: 0) + "%"
    }

    /// Requests per second as `0.5`, `12`, `3400`.
    static func rateText(_ rate: Double) -> String {
        guard rate.isFinite, rate >= 0 else { return "-" }
        return decimal(rate, places: rate < 10 ? 1 : 0)
    }

    /// `value` rounded to `places` decimals (0…2), without Foundation's locale-dependent formatting.
    static func decimal(_ value: Double, places: Int) -> String {
        let scale = places == 0 ? 1.0 : places == 1 ? 10.0 : 100.0
        let scaled = (value * scale).rounded().clamped(to: 0...9e15)
        let whole = Int(scaled)
        guard places > 0 else { return "\(whole)" }
        let unit = Int(scale)
        var fraction = String(whole % unit)
        while fraction.count < places { fraction = "0" + fraction }
        return "\(whole / unit).\(fraction)"
    }
}

extension Double {
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
