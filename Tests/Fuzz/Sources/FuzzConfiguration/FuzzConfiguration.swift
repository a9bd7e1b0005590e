import FuzzDriver

/// libFuzzer target: every input must satisfy `ConfigurationLoaderProperty`.
@main enum FuzzConfiguration {
    static func main() {
        FuzzDriver.run { data, size in
            FuzzDriver.require(ConfigurationLoaderProperty.violation(FuzzDriver.bytes(data, size)))
            return 0
        }
    }
}
