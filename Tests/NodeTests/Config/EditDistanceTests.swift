import Testing

@testable import Node

@Suite struct EditDistanceTests {
    @Test func countsInsertionsDeletionsAndSubstitutions() {
        #expect("".editDistance(to: "abc") == 3)
        #expect("abc".editDistance(to: "") == 3)
        #expect("kitten".editDistance(to: "sitting") == 3)
        #expect("probe_intervl".editDistance(to: "probe_interval") == 1)
        #expect("same".editDistance(to: "same") == 0)
    }

    @Test func suggestsOnlyCloseNames() {
        let names = ["probe_interval", "probe_timeout", "gossip_interval"]
        #expect("probe_intervl".closestMatch(among: names) == "probe_interval")
        #expect("gossip_intervall".closestMatch(among: names) == "gossip_interval")
        #expect("colour".closestMatch(among: names) == nil)
        #expect("x".closestMatch(among: ["y", "z"]) == "y")
    }
}
