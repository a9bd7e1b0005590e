extension String {
    /// Levenshtein distance counted in characters: the fewest insertions, deletions and
    /// substitutions that turn `self` into `other`.
    func editDistance(to other: String) -> Int {
        let source = Array(self)
        let target = Array(other)
        guard !source.isEmpty else { return target.count }
        guard !target.isEmpty else { return source.count }
        var previous = Array(0...target.count)
        var current = [Int](repeating: 0, count: target.count + 1)
        for (i, sourceCharacter) in source.enumerated() {
            current[0] = i + 1
            for (j, targetCharacter) in target.enumerated() {
                let substitution = previous[j] + (sourceCharacter == targetCharacter ? 0 : 1)
                current[j + 1] = Swift.min(substitution, previous[j + 1] + 1, current[j] + 1)
            }
            swap(&previous, &current)
        }
        return previous[target.count]
    }

    /// The candidate closest to `self` by edit distance, if it is close enough to be a likely typo:
    /// at most a third of the longer name's length (and at least 1) apart. Ties go to the earlier
    /// candidate.
    func closestMatch(among candidates: some Sequence<String>) -> String? {
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(to: candidate)
            let limit = Swift.max(1, Swift.max(count, candidate.count) / 3)
            guard distance <= limit else { continue }
            if let best, best.distance <= distance { continue }
            best = (candidate, distance)
        }
        return best?.candidate
    }
}
