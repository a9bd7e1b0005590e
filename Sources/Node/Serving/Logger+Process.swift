import Foundation
import Logging

extension Logger {
    /// A logger writing to stderr; the log system is bootstrapped once per process, at the level in
    /// `MURMUR_LOG_LEVEL` (trace…critical, default info).
    static func process(label: String) -> Logger {
        ProcessLogging.bootstrapOnce
        return Logger(label: label)
    }
}

private enum ProcessLogging {
    static let bootstrapOnce: Void = {
        let level =
            ProcessInfo.processInfo.environment["MURMUR_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()
}
