import Gateway

extension MurmurConfiguration {
    /// The gateway's health-check, ejection and slow-start settings as the routing core takes them.
    func healthPolicy() -> HealthPolicy {
        HealthPolicy(
            rise: gateway.rise,
            fall: gateway.fall,
            checkInterval: gateway.healthCheckInterval,
            fastCheckInterval: gateway.healthCheckFastInterval,
            consecutiveFailures: gateway.outlierConsecutiveFailures,
            baseEjectionTime: gateway.outlierBaseEjection,
            maxEjectionPercent: gateway.outlierMaxEjectionPercent,
            slowStart: gateway.slowStart
        )
    }
}
