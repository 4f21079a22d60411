// The envelope of every `pppctl --json` document (issue 19): scripts and
// monitoring read these for years, so each one says which shape it has.
// `kind` names the command whose answer `data` is (docs/schema/KIND.schema.json
// describes it); `version` is the shape's version. Adding a field is not a
// new version (readers ignore fields they do not know); renaming one,
// changing its type or meaning, or taking it away is.

public struct JSONDocument: Equatable, Sendable {
    /// The version of every document kind this build writes.
    public static let version: Int64 = 1

    public var kind: String
    public var version: Int64
    public var data: JSON

    public init(kind: String, data: JSON, version: Int64 = JSONDocument.version) {
        self.kind = kind; self.data = data; self.version = version
    }

    /// `{"version": 1, "kind": …, "data": …}`: version first, so a reader
    /// can refuse a shape it does not know before reading the rest.
    public var json: JSON {
        .object(["version": .int(version), "kind": .string(kind), "data": data])
    }

    /// Reads a document back; nil when it is not one (no integer version,
    /// no kind, no data).
    public init?(json: JSON) {
        guard let version = json["version"]?.int, let kind = json["kind"]?.string, let data = json["data"] else { return nil }
        self.init(kind: kind, data: data, version: version)
    }
}

extension ControlCommand {
    /// The `kind` of its `--json` document: the command's words joined by
    /// "-" ("session-show"), which also names its schema file.
    public var documentKind: String {
        synopsis.split(separator: " ").prefix { $0.first?.isLowercase == true }.joined(separator: "-")
    }
}
