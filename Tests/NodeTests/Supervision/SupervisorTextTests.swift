import Testing

@testable import Node

@Suite struct SupervisorTextTests {
    @Test func delaysPrintWithOneDecimalAtMost() {
        #expect(Duration.milliseconds(500).shortText == "0.5s")
        #expect(Duration.milliseconds(549).shortText == "0.5s")
        #expect(Duration.milliseconds(550).shortText == "0.6s")
        #expect(Duration.milliseconds(1_140).shortText == "1.1s")
        #expect(Duration.seconds(30).shortText == "30s")
        #expect(Duration.milliseconds(59_990).shortText == "60s")
        #expect(Duration.zero.shortText == "0s")
    }

    @Test func theLastLogLineSkipsBlankLinesAndTrims() {
        let log = "=== murmur up: starting node-1 ===\nmurmur: cannot serve HTTP on 127.0.0.1:9001: in use  \n\n  \n"
        #expect(LogTail.lastLine(in: Array(log.utf8)) == "murmur: cannot serve HTTP on 127.0.0.1:9001: in use")
        #expect(LogTail.lastLine(in: Array("\n \n".utf8)) == nil)
        #expect(LogTail.lastLine(in: [UInt8]()) == nil)
        #expect(
            LogTail.lastLine(in: Array(String(repeating: "x", count: 300).utf8), maximumLength: 10) == "xxxxxxxxxx…")
    }

    @Test func theSupervisorPidMustBeAPlausibleParent() {
        #expect(ParentDeathSignal.supervisorPID("4242") == 4242)
        #expect(ParentDeathSignal.supervisorPID(nil) == nil)
        #expect(ParentDeathSignal.supervisorPID("") == nil)
        #expect(ParentDeathSignal.supervisorPID("1") == nil)
        #expect(ParentDeathSignal.supervisorPID("12ab") == nil)
    }
}
