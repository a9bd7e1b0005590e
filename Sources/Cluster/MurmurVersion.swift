/// The software version every member reports in its gossip metadata, `/cluster` and `murmur --version`.
public enum MurmurVersion {
    public static let current = "0.1.0"
}
