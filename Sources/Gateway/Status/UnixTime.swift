import Foundation

/// Wall-clock time as the status document reports it: seconds since the Unix epoch.
///
/// Only for stamps a person reads (event times, uptimes); durations and windows run on a
/// monotonic clock.
public enum UnixTime {
    /// The current wall-clock time.
    public static func now() -> Double { Date().timeIntervalSince1970 }
}
