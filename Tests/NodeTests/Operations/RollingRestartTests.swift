import Testing

@testable import Node

@Suite struct RollingRestartTests {
    @Test func restartsEveryNodeInNameOrderOneAtATime() throws {
        var cluster = FakeCluster(nodes: 3)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        driver.runCooperatively(&cluster)
        #expect(
            driver.calls == [
                "drain node-0", "drain node-0", "restart node-0",
                "drain node-1", "drain node-1", "restart node-1",
                "drain node-2", "drain node-2", "restart node-2",
            ])
        let outcome = try #require(driver.outcome)
        guard case .completed(let summary) = outcome else {
            Issue.record("expected completion, got \(outcome)")
            return
        }
        #expect(summary.hasPrefix("rolling restart complete: 3 nodes restarted in "))
        #expect(driver.lines.first == "restarting 3 nodes one at a time: node-0, node-1, node-2")
        #expect(driver.lines.contains { $0.hasPrefix("[1/3] node-0  drained (in-flight 0) ") })
        #expect(driver.lines.contains("[2/3] node-1  restarting"))
        #expect(driver.lines.contains { $0.hasPrefix("[3/3] node-2  back: alive, up, incarnation 1 → 6, ") })
        // Each node is back before the next one is touched.
        let back0 = try #require(driver.lines.firstIndex { $0.hasPrefix("[1/3] node-0  back") })
        let drained1 = try #require(driver.lines.firstIndex { $0.hasPrefix("[2/3] node-1  drained") })
        #expect(back0 < drained1)
    }

    @Test func waitsForTheGatewayToStopRoutingBeforeTheDrainCounts() {
        let cluster = FakeCluster(nodes: 3)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        #expect(driver.pending == "drain node-0")
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        // In-flight is 0, but the gateway still counts node-0 as up: ask it, and poll again.
        #expect(driver.wantsCluster)
        driver.observe(cluster.document)
        #expect(driver.pending == "drain node-0")
        guard case .admin(_, _, let at)? = driver.action else { return }
        #expect(at == driver.now + .milliseconds(250))
        var draining = cluster
        draining.set("node-0", health: .draining)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        driver.observe(draining.document)
        // Now the gateway has stopped routing: one immediate round confirms nothing is left.
        guard case .admin(.drain, _, let immediate)? = driver.action else {
            Issue.record("expected a drain poll, got \(String(describing: driver.action))")
            return
        }
        #expect(immediate == driver.now)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        #expect(driver.pending == "restart node-0")
    }

    @Test func pollsInFlightUntilZero() {
        var cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        driver.runCooperatively(&cluster, inFlight: { name, call in name == "node-0" ? max(0, 4 - call) : 0 })
        #expect(
            driver.calls.prefix(5) == [
                "drain node-0", "drain node-0", "drain node-0", "drain node-0", "restart node-0",
            ])
        #expect(driver.lines.contains { $0.hasPrefix("[1/2] node-0  drained (in-flight 0) 0.") })
        #expect(driver.outcome == .completed(driver.completedSummary))
    }

    @Test func drainTimeoutRestartsAnyway() {
        var cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver(drainTimeout: .seconds(3))
        driver.begin(cluster.document)
        driver.runCooperatively(&cluster, inFlight: { name, _ in name == "node-0" ? 5 : 0 })
        #expect(driver.lines.contains("[1/2] node-0  drain timed out after 3s (in-flight 5); restarting anyway"))
        let restartIndex = driver.calls.firstIndex(of: "restart node-0")
        #expect(restartIndex != nil)
        #expect(driver.outcome == .completed(driver.completedSummary))
    }

    @Test func drainTimeoutAlsoCoversAGatewayThatKeepsRouting() {
        let cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver(drainTimeout: .seconds(2))
        driver.begin(cluster.document)
        for _ in 0..<100 {
            guard driver.pending?.hasPrefix("restart") != true else { break }
            if driver.wantsCluster {
                driver.observe(cluster.document)  // node-0 still up in the gateway's eyes
            } else {
                driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
            }
        }
        #expect(driver.pending == "restart node-0")
        #expect(driver.now >= .seconds(2))
        #expect(
            driver.lines.contains(
                "[1/2] node-0  drain timed out after 2s (in-flight 0, the gateway still counts the batch as up); "
                    + "restarting anyway"))
    }

    @Test func refusesWithFewerThanTwoHealthyNodes() {
        var cluster = FakeCluster(nodes: 3)
        cluster.set("node-1", health: .down)
        cluster.members["node-2"]?.state = .suspect
        var driver = RestartDriver()
        driver.begin(cluster.document)
        #expect(
            driver.outcome
                == .stopped(
                    "refusing to restart: 1 of 3 nodes is healthy (alive, health up); a rolling restart needs at "
                        + "least two so one keeps serving"))
        #expect(driver.calls.isEmpty)

        var empty = RestartDriver()
        empty.begin(ClusterDocument(members: [gatewayMember()]))
        #expect(
            empty.outcome
                == .stopped(
                    "refusing to restart: 0 of 0 nodes are healthy (alive, health up); a rolling restart needs at least "
                        + "two so one keeps serving"))
    }

    @Test func refusesABatchAsLargeAsTheHealthyNodes() {
        var cluster = FakeCluster(nodes: 3)
        cluster.set("node-2", health: .draining)
        var driver = RestartDriver(batch: 2)
        driver.begin(cluster.document)
        #expect(
            driver.outcome
                == .stopped(
                    "refusing to restart: --batch 2 would take down all 2 healthy nodes at once; use a batch "
                        + "smaller than 2"))
        var allThree = RestartDriver(batch: 3)
        allThree.begin(FakeCluster(nodes: 3).document)
        guard case .stopped(let message)? = allThree.outcome else {
            Issue.record("expected a refusal")
            return
        }
        #expect(message.contains("--batch 3 would take down all 3 healthy nodes"))
    }

    @Test func aBatchOfTwoDrainsAndRestartsBothBeforeTheNext() throws {
        var cluster = FakeCluster(nodes: 5)
        var driver = RestartDriver(batch: 2)
        driver.begin(cluster.document)
        driver.runCooperatively(&cluster)
        #expect(driver.lines.first == "restarting 5 nodes in batches of 2: node-0, node-1, node-2, node-3, node-4")
        let restarts = driver.calls.filter { $0.hasPrefix("restart") }
        #expect(restarts == ["restart node-0", "restart node-1", "restart node-2", "restart node-3", "restart node-4"])
        // Both nodes of the first batch are drained before either restarts, and both are back before
        // the second batch is drained.
        let firstRestart = try #require(driver.calls.firstIndex(of: "restart node-0"))
        #expect(driver.calls[..<firstRestart].contains("drain node-1"))
        #expect(driver.calls[firstRestart + 1] == "restart node-1")
        let backs = driver.lines.filter { $0.contains("  back: ") }.map { String($0.prefix(12)) }
        #expect(backs == ["[1/5] node-0", "[2/5] node-1", "[3/5] node-2", "[4/5] node-3", "[5/5] node-4"])
        let back1 = try #require(driver.lines.firstIndex { $0.hasPrefix("[2/5] node-1  back") })
        let drained2 = try #require(driver.lines.firstIndex { $0.hasPrefix("[3/5] node-2  drained") })
        #expect(back1 < drained2)
        #expect(driver.outcome == .completed(driver.completedSummary))
        #expect(driver.completedSummary.contains("5 nodes restarted"))
    }

    @Test func aNodeAlreadyDrainingIsRestartedToo() {
        var cluster = FakeCluster(nodes: 3)
        cluster.set("node-1", health: .draining)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        driver.runCooperatively(&cluster)
        #expect(driver.lines.contains("[2/3] node-1  was already draining"))
        #expect(driver.calls.contains("restart node-1"))
        #expect(driver.lines.contains { $0.hasPrefix("[2/3] node-1  back: alive, up, ") })
        #expect(driver.outcome == .completed(driver.completedSummary))
    }

    @Test func aNodeThatNeverReturnsStopsTheRun() {
        var cluster = FakeCluster(nodes: 3)
        var driver = RestartDriver(restartTimeout: .seconds(10))
        driver.begin(cluster.document)
        for _ in 0..<1_000 {
            switch driver.action {
            case .admin(.drain, _, _)?:
                cluster.set("node-0", health: .draining)
                driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
            case .admin(.restart, _, _)?:
                cluster.members["node-0"]?.state = .dead
                cluster.set("node-0", health: .down)
                driver.answer(AdminReply(status: 202, state: "restarting", inFlight: 0))
            case .fetchCluster?:
                driver.observe(cluster.document)
            default:
                break
            }
            if driver.outcome != nil { break }
        }
        #expect(
            driver.outcome
                == .stopped(
                    "rolling restart stopped after restarting 0 of 3 nodes: node-0 did not come back within 10s: "
                        + "the gateway sees it dead, health down"))
        #expect(driver.now >= .seconds(10) && driver.now < .seconds(11))
        #expect(!driver.calls.contains { $0.hasSuffix("node-1") })
    }

    @Test func theOldProcessBackUpIsNotARestart() {
        var cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver(restartTimeout: .seconds(5))
        driver.begin(cluster.document)
        for _ in 0..<1_000 {
            switch driver.action {
            case .admin(.drain, _, _)?:
                cluster.set("node-0", health: .draining)
                driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
            case .admin(.restart, _, _)?:
                driver.answer(AdminReply(status: 202, state: "restarting", inFlight: 0))
                // It never re-execs: a resume-like return to up with the same started_at.
                cluster.set("node-0", health: .up)
                cluster.members["node-0"]?.incarnation = 3
            case .fetchCluster?:
                driver.observe(cluster.document)
            default:
                break
            }
            if driver.outcome != nil { break }
        }
        guard case .stopped(let message)? = driver.outcome else {
            Issue.record("expected the run to stop, got \(String(describing: driver.outcome))")
            return
        }
        #expect(message.contains("node-0 did not come back within 5s: it is alive and up but still the process"))
        #expect(message.contains("started_at 1000"))
    }

    @Test func incarnationDecidesWhenStartedAtIsUnknown() {
        var cluster = FakeCluster(nodes: 2)
        for name in ["node-0", "node-1"] { cluster.members[name]?.startedAt = nil }
        var before = nodeMember("node-0", port: 9000, incarnation: 4, startedAt: nil)
        let mark = RollingRestart.ProcessMark(incarnation: 4, startedAt: nil)
        #expect(!RollingRestart.isBack(before, since: mark))
        before.incarnation = 5
        #expect(RollingRestart.isBack(before, since: mark))
        before.health = .starting
        #expect(!RollingRestart.isBack(before, since: mark))
        // started_at wins when both sides have it, whatever the incarnation says.
        let timed = RollingRestart.ProcessMark(incarnation: 4, startedAt: 100)
        var same = nodeMember("node-0", port: 9000, incarnation: 9, startedAt: 100)
        #expect(!RollingRestart.isBack(same, since: timed))
        same.startedAt = 100.5
        #expect(RollingRestart.isBack(same, since: timed))

        var driver = RestartDriver()
        driver.begin(cluster.document)
        driver.runCooperatively(&cluster)
        #expect(driver.outcome == .completed(driver.completedSummary))
    }

    @Test func theGatewayMayBeUnreachableWhileANodeRestarts() {
        var cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        cluster.set("node-0", health: .draining)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        driver.observe(cluster.document)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        #expect(driver.pending == "restart node-0")
        driver.answer(AdminReply(status: 202, state: "restarting", inFlight: 0))
        for _ in 0..<4 {
            #expect(driver.wantsCluster)
            driver.gatewayDown()
        }
        #expect(
            driver.lines.filter { $0.hasPrefix("gateway unreachable") } == [
                "gateway unreachable (connection refused); retrying"
            ])
        cluster.restart("node-0")
        driver.observe(cluster.document)
        #expect(driver.lines.contains { $0.hasPrefix("gateway reachable again after 1.") })
        #expect(driver.lines.contains { $0.hasPrefix("[1/2] node-0  back: alive, up, incarnation 1 → 6, ") })
        #expect(driver.pending == "drain node-1")
        driver.runCooperatively(&cluster)
        #expect(driver.outcome == .completed(driver.completedSummary))
    }

    @Test func aGatewayGoneForTheWholeRestartTimeoutStopsTheRun() {
        let cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver(restartTimeout: .seconds(3))
        driver.begin(cluster.document)
        var draining = cluster
        draining.set("node-0", health: .draining)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        driver.observe(draining.document)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        driver.answer(AdminReply(status: 202, state: "restarting", inFlight: 0))
        for _ in 0..<100 where driver.outcome == nil {
            driver.gatewayDown("no answer within 5s")
        }
        guard case .stopped(let message)? = driver.outcome else {
            Issue.record("expected the run to stop")
            return
        }
        #expect(message.hasPrefix("rolling restart stopped after restarting 0 of 2 nodes: node-0 did not come back"))
        #expect(message.contains("within 3s: the gateway has not answered for 2."))
        #expect(message.hasSuffix("(no answer within 5s)"))
    }

    @Test func aWrongTokenStopsAtOnce() {
        let cluster = FakeCluster(nodes: 3)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        driver.answer(AdminReply(status: 403, errorMessage: "the admin token is wrong"))
        #expect(
            driver.outcome
                == .stopped(
                    "rolling restart stopped after restarting 0 of 3 nodes: node-0 refused the admin token (403: the "
                        + "admin token is wrong); the token is wrong: pass the cluster's token with --token or "
                        + "MURMUR_ADMIN_TOKEN"))
        #expect(driver.calls == ["drain node-0"])

        var missing = RestartDriver()
        missing.begin(cluster.document)
        missing.answer(AdminReply(status: 401))
        guard case .stopped(let message)? = missing.outcome else {
            Issue.record("expected a stop on 401")
            return
        }
        #expect(message.contains("node-0 refused the admin token (401); the token is wrong"))
    }

    @Test func aTokenRefusedAtRestartStopsToo() {
        var cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        cluster.set("node-0", health: .draining)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        driver.observe(cluster.document)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        driver.answer(AdminReply(status: 401, errorMessage: "missing bearer token"))
        guard case .stopped(let message)? = driver.outcome else {
            Issue.record("expected a stop")
            return
        }
        #expect(message.contains("refused the admin token (401: missing bearer token)"))
    }

    @Test func aStopNamesTheNodesLeftDraining() {
        var cluster = FakeCluster(nodes: 4)
        var driver = RestartDriver(batch: 2)
        driver.begin(cluster.document)
        #expect(driver.pending == "drain node-0")
        cluster.set("node-0", health: .draining)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        #expect(driver.pending == "drain node-1")
        driver.answer(AdminReply(status: 403, errorMessage: "the admin token is wrong"))
        guard case .stopped(let message)? = driver.outcome else {
            Issue.record("expected a stop")
            return
        }
        #expect(message.contains("node-1 refused the admin token (403: the admin token is wrong)"))
        #expect(message.hasSuffix("; left draining: node-0 (POST /admin/resume puts a node back in service)"))

        // A node whose restart was accepted is not left draining; the one not yet told is.
        var restarting = RestartDriver(batch: 2)
        restarting.begin(FakeCluster(nodes: 4).document)
        cluster.set("node-1", health: .draining)
        restarting.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        restarting.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        restarting.observe(cluster.document)
        restarting.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        restarting.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        #expect(restarting.pending == "restart node-0")
        restarting.answer(AdminReply(status: 202, state: "restarting", inFlight: 0))
        restarting.answer(AdminReply(status: 500, errorMessage: "boom"))
        guard case .stopped(let second)? = restarting.outcome else {
            Issue.record("expected a stop")
            return
        }
        #expect(second.contains("node-1 at http://127.0.0.1:9001 answered POST /admin/restart with 500: boom"))
        #expect(second.hasSuffix("; left draining: node-1 (POST /admin/resume puts a node back in service)"))
    }

    @Test func waitsForASuspectNodeBeforeDraining() {
        var cluster = FakeCluster(nodes: 3)
        cluster.members["node-2"]?.state = .suspect
        var driver = RestartDriver()
        driver.begin(cluster.document)
        #expect(driver.lines.last == "waiting for node-2 (suspect, health up) to be up before draining node-0")
        #expect(driver.wantsCluster)
        driver.observe(cluster.document)
        #expect(driver.wantsCluster)
        driver.gatewayDown()
        #expect(driver.wantsCluster)
        cluster.members["node-2"]?.state = .alive
        driver.observe(cluster.document)
        #expect(driver.pending == "drain node-0")
        driver.runCooperatively(&cluster)
        #expect(driver.outcome == .completed(driver.completedSummary))
    }

    @Test func goesOnWhenANodeStaysDownPastTheRestartTimeout() {
        var cluster = FakeCluster(nodes: 3)
        cluster.set("node-2", health: .down)
        var driver = RestartDriver(restartTimeout: .seconds(4))
        driver.begin(cluster.document)
        for _ in 0..<100 where driver.wantsCluster {
            driver.observe(cluster.document)
        }
        #expect(driver.pending == "drain node-0")
        #expect(driver.now >= .seconds(4))
        #expect(driver.lines.contains("node-2 still not up after 4s; going on"))

        // With the gateway gone for as long, it stops instead: it cannot see the cluster at all.
        var blind = RestartDriver(restartTimeout: .seconds(4))
        blind.begin(cluster.document)
        for _ in 0..<100 where blind.wantsCluster {
            blind.gatewayDown()
        }
        guard case .stopped(let message)? = blind.outcome else {
            Issue.record("expected a stop")
            return
        }
        #expect(message.contains("cannot check the cluster before draining node-0: the gateway has not answered for"))
    }

    @Test func otherErrorStatusesStopWithTheNodesMessage() {
        let cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        driver.answer(AdminReply(status: 404, errorMessage: "no route for POST /admin/drain"))
        #expect(
            driver.outcome
                == .stopped(
                    "rolling restart stopped after restarting 0 of 2 nodes: node-0 at http://127.0.0.1:9000 answered "
                        + "POST /admin/drain with 404: no route for POST /admin/drain"))
    }

    @Test func anUnreachableNodeStopsTheRun() {
        let cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        driver.fail(ClusterRequestError(reason: "connection refused", mayHaveBeenProcessed: false))
        #expect(
            driver.outcome
                == .stopped(
                    "rolling restart stopped after restarting 0 of 2 nodes: cannot reach node-0 at "
                        + "http://127.0.0.1:9000 for POST /admin/drain: connection refused"))
    }

    @Test func aLostRestartAnswerIsFollowedUpLikeAnAcceptedOne() {
        var cluster = FakeCluster(nodes: 2)
        var driver = RestartDriver()
        driver.begin(cluster.document)
        cluster.set("node-0", health: .draining)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        driver.observe(cluster.document)
        driver.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        driver.fail(ClusterRequestError(reason: "connection closed", mayHaveBeenProcessed: true))
        #expect(driver.lines.last == "[1/2] node-0  restarting (its answer was lost: connection closed)")
        #expect(driver.wantsCluster)
        cluster.restart("node-0")
        driver.runCooperatively(&cluster)
        #expect(driver.outcome == .completed(driver.completedSummary))

        // A restart that certainly never arrived stops the run.
        var refused = RestartDriver()
        var fresh = FakeCluster(nodes: 2)
        refused.begin(fresh.document)
        fresh.set("node-0", health: .draining)
        refused.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        refused.observe(fresh.document)
        refused.answer(AdminReply(status: 200, state: "draining", inFlight: 0))
        refused.fail(ClusterRequestError(reason: "connection refused", mayHaveBeenProcessed: false))
        guard case .stopped(let message)? = refused.outcome else {
            Issue.record("expected a stop")
            return
        }
        #expect(
            message.hasSuffix(
                "cannot reach node-0 at http://127.0.0.1:9000 for POST /admin/restart: connection refused; "
                    + "left draining: node-0 (POST /admin/resume puts a node back in service)"))
    }

    @Test func deadAndLeftNodesAreSkipped() {
        var cluster = FakeCluster(nodes: 4)
        cluster.members["node-2"]?.state = .dead
        cluster.members["node-3"]?.state = .left
        var driver = RestartDriver()
        driver.begin(cluster.document)
        #expect(
            Array(driver.lines.prefix(3)) == [
                "skipping node-2: dead", "skipping node-3: left", "restarting 2 nodes one at a time: node-0, node-1",
            ])
        driver.runCooperatively(&cluster)
        #expect(!driver.calls.contains { $0.hasSuffix("node-2") || $0.hasSuffix("node-3") })
        #expect(driver.completedSummary.contains("2 nodes restarted"))
        #expect(driver.outcome == .completed(driver.completedSummary))
    }

    @Test func wildcardHTTPHostsUseTheGatewaysHost() throws {
        var cluster = FakeCluster(nodes: 2)
        cluster.members["node-0"]?.http = "0.0.0.0:9000"
        var configuration = RollingRestart.Configuration()
        configuration.gatewayHost = "10.1.2.3"
        var machine = RollingRestart(configuration: configuration)
        let step = machine.begin(with: cluster.document, now: .zero)
        guard case .admin(.drain, let target, _) = step.action else {
            Issue.record("expected a drain, got \(step.action)")
            return
        }
        #expect(target.address == HTTPAddress(host: "10.1.2.3", port: 9000))

        cluster.members["node-1"]?.http = nil
        var noAddress = RollingRestart(configuration: configuration)
        #expect(
            noAddress.begin(with: cluster.document, now: .zero).action
                == .finish(.stopped("cannot restart node-1: it publishes no HTTP address")))
    }

    @Test func namesFromTheNetworkCannotReachTheTerminalRaw() {
        var cluster = FakeCluster(nodes: 2)
        var evil = nodeMember("node-\u{1B}[2J", port: 9005)
        evil.state = .dead
        cluster.members[evil.name] = evil
        var driver = RestartDriver()
        driver.begin(cluster.document)
        #expect(driver.lines.contains("skipping node-?[2J: dead"))
        #expect(!driver.lines.joined().contains("\u{1B}"))
    }
}

extension RestartDriver {
    /// The summary the run ends with at the current time.
    var completedSummary: String {
        if case .finish(.completed(let summary))? = action { return summary }
        return "(not completed)"
    }
}
