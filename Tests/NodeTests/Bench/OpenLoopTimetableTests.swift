import Testing

@testable import Node

@Suite struct OpenLoopTimetableTests {
    @Test func requestsAreDueEvenlyFromTheStart() {
        let timetable = OpenLoopTimetable(rate: 100)
        #expect(timetable.dueOffset(ofTicket: 0) == 0)
        #expect(timetable.dueOffset(ofTicket: 1) == 10_000_000)
        #expect(timetable.dueOffset(ofTicket: 250) == 2_500_000_000)
        let odd = OpenLoopTimetable(rate: 3)
        #expect(odd.dueOffset(ofTicket: 1) == 333_333_333)
        #expect(odd.dueOffset(ofTicket: 2) == 666_666_667)
        #expect(odd.dueOffset(ofTicket: 3) == 1_000_000_000)
    }

    @Test func aRunHoldsTheRequestsDueBeforeItsEnd() {
        let timetable = OpenLoopTimetable(rate: 100)
        #expect(timetable.ticketCount(forNanoseconds: 2_000_000_000) == 200)
        #expect(timetable.ticketCount(forNanoseconds: 2_000_000_001) == 201)
        #expect(timetable.ticketCount(forNanoseconds: 1) == 1)
        #expect(timetable.ticketCount(forNanoseconds: 0) == 0)
        #expect(OpenLoopTimetable(rate: 0.5).ticketCount(forNanoseconds: 3_000_000_000) == 2)
        #expect(OpenLoopTimetable(rate: 3).ticketCount(forNanoseconds: 1_000_000_000) == 3)
    }

    @Test func lateMeansMoreThanAMillisecondAfterTheDueTime() {
        let timetable = OpenLoopTimetable(rate: 1_000)
        #expect(!timetable.isLate(ticket: 5, sentOffset: 5_000_000))
        #expect(!timetable.isLate(ticket: 5, sentOffset: 6_000_000))
        #expect(timetable.isLate(ticket: 5, sentOffset: 6_000_001))
        #expect(!timetable.isLate(ticket: 5, sentOffset: 4_000_000))
    }
}
