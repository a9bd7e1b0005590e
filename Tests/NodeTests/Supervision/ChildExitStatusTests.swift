import Testing

@testable import Node

@Suite struct ChildExitStatusTests {
    @Test func decodesExitCodesAndSignals() {
        #expect(ChildExitStatus(waitStatus: 0) == .exited(code: 0))
        #expect(ChildExitStatus(waitStatus: 1 << 8) == .exited(code: 1))
        #expect(ChildExitStatus(waitStatus: 2 << 8) == .exited(code: 2))
        #expect(ChildExitStatus(waitStatus: 9) == .signaled(signal: 9))
        #expect(ChildExitStatus(waitStatus: 15) == .signaled(signal: 15))
        #expect(ChildExitStatus(waitStatus: 0x80 | 11) == .signaled(signal: 11))  // with a core dump
    }

    @Test func stoppedAndContinuedAreNotEnds() {
        #expect(ChildExitStatus(waitStatus: (19 << 8) | 0x7f) == nil)
        #expect(ChildExitStatus(waitStatus: 0xffff) == nil)
    }

    @Test func describesItselfAsTheSupervisorPrintsIt() {
        #expect(ChildExitStatus.exited(code: 1).description == "exit code 1")
        #expect(ChildExitStatus.signaled(signal: 9).description == "signal 9")
    }
}
