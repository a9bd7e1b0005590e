import Foundation

/// The gateway's live status page (`GET /`): one self-contained HTML document (inline CSS and
/// script, no external asset) that shows the cluster as of the request — rendered here, so the
/// members are in the markup before any script runs — and then refreshes itself from `/cluster`
/// every second with the same markup built in the browser.
///
/// Stable hooks for tests and tools: `#verdict`, `#gateway [data-field]`, `#hints li.hint[data-severity]`,
/// `#members tr.member[data-name][data-health][data-state]`, `#events li.event[data-kind][data-member]`,
/// and the document the page started from in `script#cluster-data` (JSON, with every `<` escaped
/// as `\u003c` so no string in it can end the script element).
public enum StatusPage {
    /// The page for `status`, as UTF-8 bytes.
    public static func render(_ status: ClusterStatus) -> [UInt8] {
        let members = status.members
        let summary = ClusterSummary(members: members)
        let hints = StatusHint.hints(members: members, gateway: status.gateway?.traffic, limits: status.limits)
        var html = ""
        html.reserveCapacity(24_000 + members.count * 900)
        html += head
        html += #"<header><div class="brand"><span class="logo">◉</span> murmur</div>"#
        html += #"<div id="verdict" class="verdict \#(verdictClass(summary))">\#(escape(summary.verdict))</div>"#
        html += #"<div id="updated" class="updated"><span class="dot"></span><span id="updated-text">as of "#
        html += "\(clockTime(status.now)) UTC</span></div></header><main>"
        html += #"<section class="tiles" id="tiles">"#
        html += tile(
            "ready", "Ready", "\(summary.ready)/\(summary.nodes)", summary.ready == summary.nodes ? "ok" : "warn")
        html += tile("suspect", "Suspect", String(summary.suspect), summary.suspect > 0 ? "warn" : "")
        html += tile("down", "Down", String(summary.down), summary.down > 0 ? "bad" : "")
        html += tile("draining", "Draining", String(summary.draining), summary.draining > 0 ? "info" : "")
        html += "</section>"
        if let gateway = status.gateway {
            html += #"<section class="panel" id="gateway"><h2>Gateway</h2><div class="figures">"#
            html += figure("requests_per_s", "req/s", rate(gateway.traffic.requestsPerSecond))
            html += figure("p50_ms", "p50", milliseconds(gateway.traffic.p50Milliseconds))
            html += figure("p99_ms", "p99", milliseconds(gateway.traffic.p99Milliseconds))
            html += figure("in_flight", "in flight", String(gateway.inFlight))
            html += figure("errors_per_s", "errors/s", rate(gateway.traffic.errorsPerSecond))
            html += "</div></section>"
        }
        html += #"<section class="panel" id="hints-panel"><h2>Hints</h2><ul id="hints">"#
        if hints.isEmpty { html += #"<li class="none">Nothing to report: the cluster looks healthy.</li>"# }
        for hint in hints {
            html += #"<li class="hint" data-severity="\#(hint.severity.rawValue)">"#
            html += #"<span class="sev">\#(hint.severity.rawValue)</span>\#(escape(hint.message))</li>"#
        }
        html += "</ul></section>"
        html += #"<section class="panel"><h2>Members</h2><div class="scroll"><table id="members"><thead><tr>"#
        html += "<th>Member</th><th>State</th><th>Health</th><th>In flight</th><th>Queue</th><th>req/s</th>"
        html +=
            "<th>p50 / p99</th><th>Cache hits</th><th>Ring share</th><th>Uptime</th><th>Inc.</th><th>Version</th></tr></thead><tbody>"
        let scaleInFlight = max(8, members.map(\.inFlight).max() ?? 0)
        let scaleQueue = max(8, members.map(\.queueDepth).max() ?? 0)
        for member in members {
            html += row(member, scaleInFlight: scaleInFlight, scaleQueue: scaleQueue, limits: status.limits)
        }
        html += "</tbody></table></div></section>"
        html += #"<section class="panel"><h2>Recent events</h2><ol id="events">"#
        let events = status.gateway?.events ?? []
        if events.isEmpty { html += #"<li class="none">No events yet.</li>"# }
        for event in events {
            html += #"<li class="event" data-kind="\#(event.kind.rawValue)" data-member="\#(escape(event.member))">"#
            html += #"<time>\#(clockTime(event.at))</time><span class="kind k-\#(event.kind.rawValue)">"#
            html += #"\#(event.kind.rawValue)</span><span class="who">\#(escape(event.member))</span></li>"#
        }
        html += "</ol></section></main>"
        html += #"<script id="cluster-data" type="application/json">"#
        var bytes = Array(html.utf8)
        for byte in status.encoded() {
            if byte == UInt8(ascii: "<") {
                bytes.append(contentsOf: #"\u003c"#.utf8)
            } else {
                bytes.append(byte)
            }
        }
        bytes.append(contentsOf: "</script>".utf8)
        bytes.append(contentsOf: script.utf8)
        bytes.append(contentsOf: "</body></html>\n".utf8)
        return bytes
    }

    // MARK: Pieces (the script builds the same markup)

    private static func row(
        _ member: MemberStatus,
        scaleInFlight: Int,
        scaleQueue: Int,
        limits: SaturationLimits
    ) -> String {
        var html = #"<tr class="member" data-name="\#(escape(member.name))" data-health="\#(escape(member.health))""#
        html += #" data-state="\#(escape(member.state))" data-role="\#(escape(member.role ?? "unknown"))">"#
        html += #"<td class="name"><span class="member-name">\#(escape(member.name))</span>"#
        html += #"<span class="role">\#(escape(member.role ?? "?"))</span>"#
        html += #"<div class="addr">\#(escape(member.http ?? "—"))</div></td>"#
        html += #"<td><span class="pill state-\#(escape(member.state))">\#(escape(member.state))</span></td>"#
        html += #"<td class="health"><span class="pill health-\#(escape(member.health))">"#
        html += "\(escape(member.health))</span></td>"
        html += bar("in-flight", member.inFlight, scale: scaleInFlight, limit: limits.maxInFlightPerBackend)
        html += bar("queue", member.queueDepth, scale: scaleQueue, limit: limits.maxQueuedTexts)
        let traffic = member.traffic.flatMap { $0.requests > 0 ? $0 : nil }
        html += #"<td class="rps num">\#(traffic.map { rate($0.requestsPerSecond) } ?? "—")</td>"#
        html += #"<td class="latency num">\#(milliseconds(traffic?.p50Milliseconds)) / "#
        html += "\(milliseconds(traffic?.p99Milliseconds))</td>"
        html += #"<td class="cache num">\#(percent(member.cacheHitRate))</td>"#
        if let share = member.ringShare {
            let percent = share * 100
            html += #"<td class="ring"><div class="bar"><i style="width:\#(fixed(percent, 1))%"></i></div>"#
            html += "<span>\(fixed(percent, 1))%</span></td>"
        } else {
            html += #"<td class="ring muted">—</td>"#
        }
        html += #"<td class="uptime num">\#(duration(member.uptimeSeconds))</td>"#
        html += #"<td class="incarnation num">\#(member.incarnation)</td>"#
        html += #"<td class="version">\#(escape(member.version ?? "—"))</td></tr>"#
        return html
    }

    private static func bar(_ kind: String, _ value: Int, scale: Int, limit: Int) -> String {
        let width = scale > 0 ? min(Double(value) / Double(scale), 1) * 100 : 0
        let level = limit > 0 ? Double(value) / Double(limit) : 0
        let tone = level >= 0.8 ? "bad" : level >= 0.5 ? "warn" : "ok"
        return #"<td class="\#(kind)" title="\#(value) of \#(limit)"><div class="bar \#(tone)">"#
            + #"<i style="width:\#(fixed(width, 1))%"></i></div><span>\#(value)</span></td>"#
    }

    private static func tile(_ id: String, _ label: String, _ value: String, _ tone: String) -> String {
        #"<div class="tile \#(tone)" id="tile-\#(id)"><span class="label">\#(label)</span>"#
            + #"<span class="value">\#(value)</span></div>"#
    }

    private static func figure(_ field: String, _ label: String, _ value: String) -> String {
        #"<div class="figure" data-field="\#(field)"><span class="value">\#(value)</span>"#
            + #"<span class="label">\#(label)</span></div>"#
    }

    private static func verdictClass(_ summary: ClusterSummary) -> String {
        if summary.nodes == 0 || summary.ready == 0 { return "bad" }
        return summary.ready == summary.nodes ? "ok" : "warn"
    }

    // MARK: Formatting (mirrored by the script)

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "—"
    }

    static func rate(_ value: Double) -> String { fixed(value, 1) }

    /// A share (0…1) as a percentage with one decimal, `—` when unknown.
    static func percent(_ share: Double?) -> String {
        guard let share, share.isFinite else { return "—" }
        return fixed(share * 100, 1) + "%"
    }

    static func milliseconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return (value < 10 ? fixed(value, 2) : value < 100 ? fixed(value, 1) : fixed(value, 0)) + " ms"
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "—" }
        let total = Int(seconds)
        let (days, hours, minutes, rest) = (total / 86_400, total / 3_600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(rest)s" }
        return "\(rest)s"
    }

    /// `HH:MM:SS` in UTC.
    static func clockTime(_ unixSeconds: Double) -> String {
        guard unixSeconds.isFinite else { return "—" }
        let seconds = ((Int(unixSeconds.rounded(.down)) % 86_400) + 86_400) % 86_400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(two(seconds / 3_600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }
}
