// What `--version` prints, the same for every executable: the release, and
// the wire version of the message catalogue (Wire.version) so that an
// operator can tell whether two builds can talk to each other.

public enum Version {
    public static let release = "0.19.0"

    /// "linkd (ppprouter) 0.19.0, wire 1".
    public static func line(_ program: String) -> String {
        "\(program) (ppprouter) \(release), wire \(Wire.version)"
    }
}
