import Foundation

extension BenchSummary {
    /// The report a person reads: what was run, then throughput, latency and errors, one line each.
    func text() -> String {
        let p = parameters
        var lines: [String] = []
        var run = "\(p.url): \(p.concurrency) connections x \(p.streamsPerConnection) streams, "
        if let rate = p.rate {
            run += "open loop at \(Self.number(rate)) req/s"
        } else {
            run += "closed loop"
        }
        if let duration = p.durationS { run += ", \(Self.number(duration)) s" }
        if let requests = p.requests { run += ", \(requests) requests" }
        if p.warmupS > 0 { run += " (after \(Self.number(p.warmupS)) s warm-up)" }
        lines.append(run)
        let source = p.input == "generated" ? "generated texts of \(p.lengths ?? "?") words" : p.input
        lines.append("inputs:     \(p.inputsPerRequest) per request from \(source), model \(p.model)")
        lines.append(
            "requests:   \(requests.total) in \(String(format: "%.2f", elapsedS)) s: "
                + "\(requests.succeeded) succeeded, \(requests.failed) failed"
                + (resends > 0 ? " (\(resends) sends repeated after GOAWAY or REFUSED_STREAM)" : "")
        )
        lines.append(
            "throughput: \(Self.number(reqPerS)) req/s, \(Self.number(textsPerS)) texts/s, "
                + "\(Self.number(tokensPerS)) tokens/s"
        )
        if let latency = latencyMs {
            let figures = [
                ("p50", latency.p50), ("p90", latency.p90), ("p99", latency.p99), ("p99.9", latency.p99_9),
                ("max", latency.max),
            ]
            let measured = p.rate == nil ? "from send" : "from due time"
            lines.append(
                "latency:    " + figures.map { "\($0.0) \(Self.milliseconds($0.1))" }.joined(separator: "  ")
                    + "  (\(measured))")
        } else {
            lines.append("latency:    no successful requests")
        }
        let errorText = BenchFailure.allCases.map { "\($0.name) \(errors[$0.name] ?? 0)" }.joined(separator: ", ")
        lines.append("errors:     \(errorText)")
        let others = statuses.filter { !$0.key.hasPrefix("2") }.sorted { $0.key < $1.key }
        if !others.isEmpty {
            lines.append("statuses:   " + others.map { "\($0.key) x\($0.value)" }.joined(separator: ", "))
        }
        if let lateSends, lateSends > 0 {
            lines.append(
                "late sends: \(lateSends) requests left over 1 ms after their due time (every stream was busy, "
                    + "or this machine too loaded to send on time; latency still counts from the due time)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A rate or time with as many decimals as make sense for its size.
    static func number(_ value: Double) -> String {
        if value >= 100 { return String(format: "%.0f", value) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }

    static func milliseconds(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f ms", value) : String(format: "%.2f ms", value)
    }
}
