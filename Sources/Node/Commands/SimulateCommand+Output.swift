import Cluster
import Foundation

extension SimulateCommand {
    /// What `murmur simulate` prints: the experiment's report and the wall-clock time it took.
    struct Output: Encodable {
        var report: GossipExperimentReport
        var wallSeconds: Double

        private enum CodingKeys: String, CodingKey {
            case wallSeconds
        }

        /// The report's keys and `wall_seconds` side by side in one object.
        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(wallSeconds, forKey: .wallSeconds)
        }

        func json() -> String {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            // Plain numbers and nested objects of them: encoding cannot fail.
            guard let data = try? encoder.encode(self) else { return "{}" }
            return String(decoding: data, as: UTF8.self)
        }

        func text() -> String {
            let report = report
            let join = report.join
            let crash = report.crash
            let traffic = report.traffic
            var lines: [String] = []
            lines.append(
                "\(report.members) members, \(Self.percent(report.lossRate)) packet loss, seed \(report.seed): "
                    + "\(Self.seconds(report.simulatedSeconds)) simulated in \(Self.seconds(wallSeconds))"
            )
            lines.append(
                "join spreading from one member: 50% \(Self.seconds(join.p50)), 99% \(Self.seconds(join.p99)), "
                    + "99.99% \(Self.seconds(join.p9999)), 100% \(Self.seconds(join.p100)) "
                    + "(\(join.reached) of \(join.of) members)"
            )
            lines.append(
                "crash: first suspected after \(Self.seconds(crash.firstSuspectedAfter)), dead everywhere after "
                    + "\(Self.seconds(crash.deadEverywhereAfter)) (\(crash.deadAt) of \(crash.of) members)"
            )
            lines.append(
                "steady state, per member per second: \(Self.number(traffic.packets)) packets, "
                    + "\(Self.number(traffic.messages)) messages, \(Self.number(traffic.bytes)) B gossip (UDP), "
                    + "\(Self.number(traffic.pushPullBytes)) B push-pull (TCP); largest packet \(traffic.largestPacket) B"
            )
            lines.append(
                "false suspicions: \(report.falseSuspicions) (\(report.falseSuspectEvents) suspect events); "
                    + "false deaths: \(report.falseDeaths) (\(report.falseDeadEvents) dead events)"
            )
            return lines.joined(separator: "\n") + "\n"
        }

        static func seconds(_ value: Double?) -> String {
            guard let value else { return "never" }
            return String(format: "%.2f s", value)
        }

        static func percent(_ share: Double) -> String {
            String(format: "%g%%", share * 100)
        }

        static func number(_ value: Double) -> String {
            value >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
        }
    }
}
