import ArgumentParser

extension Duration {
    /// Parses a duration flag such as `--drain-timeout 30s` (the configuration syntax: `500ms`,
    /// `2m`, `1m30s`); it must be positive.
    init(argument text: String, flag: String) throws(ValidationError) {
        do {
            self = try Duration(configurationText: text)
        } catch {
            throw ValidationError("\(flag): \(error.message)")
        }
        guard self > .zero else { throw ValidationError("\(flag) must be more than zero, got \"\(text)\"") }
    }
}
