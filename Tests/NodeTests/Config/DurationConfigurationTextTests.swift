import Testing

@testable import Node

@Suite struct DurationConfigurationTextTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("1s", .seconds(1)), ("2m", .seconds(120)), ("24h", .seconds(86_400)),
        ("1m30s", .seconds(90)), ("1.5s", .milliseconds(1500)), ("0", .zero), ("0ms", .zero),
        ("250us", .microseconds(250)),
        ("250µs", .microseconds(250)), ("10ns", .nanoseconds(10)), (" 2s ", .seconds(2)), ("0.1s", .milliseconds(100)),
        (".5s", .milliseconds(500)), ("1h0m1s", .seconds(3601)),
    ])
    func parses(text: String, expected: Duration) throws {
        #expect(try Duration(configurationText: text) == expected)
    }

    @Test(arguments: ["", "5", "1x", "s", "-1s", "1.5.3s", "1 s", "1s5", "9999999999999999999h", "3000000000h", "1e3s"])
    func refuses(text: String) {
        #expect(throws: InvalidValue.self) { try Duration(configurationText: text) }
    }

    @Test func errorsSayWhatIsMissing() {
        #expect(
            throws: InvalidValue(
                "\"5\" has no unit; write a duration with a unit, like \"500ms\", \"1s\", \"2m\" or \"24h\"")
        ) {
            try Duration(configurationText: "5")
        }
        #expect(throws: InvalidValue("\"3000000000h\" is too long a duration")) {
            try Duration(configurationText: "3000000000h")
        }
    }

    @Test func formatsInTheLargestExactUnit() throws {
        #expect(Duration.milliseconds(500).configurationText == "500ms")
        #expect(Duration.seconds(90).configurationText == "90s")
        #expect(Duration.seconds(120).configurationText == "2m")
        #expect(Duration.seconds(86_400).configurationText == "24h")
        #expect(Duration.zero.configurationText == "0s")
        #expect(Duration.nanoseconds(1_500).configurationText == "1500ns")
        for text in ["500ms", "1m30s", "1.25s", "36h"] {
            let duration = try Duration(configurationText: text)
            #expect(try Duration(configurationText: duration.configurationText) == duration)
        }
    }
}
