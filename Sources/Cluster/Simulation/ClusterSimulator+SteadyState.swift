extension ClusterSimulator {
    /// Spreads every running member's next push-pull uniformly over one push-pull period from now,
    /// as in a cluster that has been up for a while. A converged cluster added at once would
    /// otherwise have every member sync within the same 30 s (the core's first-sync window), which
    /// is a start-up burst, not steady state.
    public mutating func spreadPushPullSchedules() {
        for index in nodes.indices where nodes[index].status == .running {
            let period = settings.pushPullPeriod(clusterSize: nodes[index].instance.clusterSize)
            nodes[index].instance.nextPushPullAt = now + period.scaled(by: random.nextUnitInterval())
        }
    }

    /// Returns the events recorded so far and forgets them (long runs read them as they go).
    public mutating func takeRecordedEvents() -> [RecordedEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }
}
