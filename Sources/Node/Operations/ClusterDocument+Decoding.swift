import Gateway

extension ClusterDocument {
    /// Decodes a `/cluster` body.
    init(json bytes: [UInt8]) throws(OperationsError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw OperationsError("the /cluster answer is not JSON: \(error)")
        }
        guard case .object = value else {
            throw OperationsError("the /cluster answer is \(value.kindName), not a JSON object")
        }
        guard case .array(let items)? = value["members"] else {
            throw OperationsError("the /cluster answer has no \"members\" array")
        }
        var members: [ClusterMember] = []
        members.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object = item, case .string(let name)? = item["name"] else {
                throw OperationsError("the /cluster answer's member \(index) has no \"name\" string")
            }
            members.append(ClusterMember(name: name, json: item))
        }
        var hints: [ClusterHint] = []
        if case .array(let hintItems)? = value["hints"] {
            for item in hintItems {
                guard case .string(let message)? = item["message"] else { continue }
                hints.append(
                    ClusterHint(
                        severity: item["severity"]?.stringValue ?? "info",
                        member: item["member"]?.stringValue,
                        message: message
                    ))
            }
        }
        self.init(local: value["local"]?.stringValue, members: members, hints: hints)
    }
}

extension ClusterMember {
    /// Reads the optional fields of one member object; a field of an unexpected kind counts as unknown.
    fileprivate init(name: String, json: JSONValue) {
        self.init(name: name)
        role = json["role"]?.stringValue
        state = json["state"]?.stringValue.map(State.init(word:))
        incarnation = json["incarnation"]?.integerValue
        http = json["http"]?.stringValue
        gossip = json["gossip"]?.stringValue
        health = json["health"]?.stringValue.map(Health.init(word:))
        inFlight = json["in_flight"]?.integerValue
        queueDepth = json["queue_depth"]?.integerValue
        if case .array(let items)? = json["models"] {
            models = items.compactMap(\.stringValue)
        }
        version = json["version"]?.stringValue
        startedAt = json["started_at"]?.doubleValue
        uptimeSeconds = json["uptime_s"]?.doubleValue
        requestsPerSecond = json["requests_per_s"]?.doubleValue
        p50Milliseconds = json["p50_ms"]?.doubleValue
        p99Milliseconds = json["p99_ms"]?.doubleValue
        ringShare = json["ring_share"]?.doubleValue
        cacheHitRate = json["cache_hit_rate"]?.doubleValue
    }
}

extension JSONValue {
    fileprivate var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    fileprivate var integerValue: Int? {
        if case .number(let number) = self { return number.integer ?? Int(exactly: number.double.rounded(.down)) }
        return nil
    }

    /// The number as a `Double`, or nil for anything else (and for literals beyond `Double`'s range).
    fileprivate var doubleValue: Double? {
        guard case .number(let number) = self else { return nil }
        let value = number.double
        return value.isFinite ? value : nil
    }
}
