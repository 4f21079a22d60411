// `pppctl upgrade [--check]` (issue 20): pppinit's own method `upgrade`, its
// arguments and its reply. The reply lists every component with the
// identity of the executable it runs and of the one on disk (ExecutableID),
// and what the upgrade did with it; a failed upgrade is still a reply (with
// its reason and the table), so pppctl can show how far it got.

public struct UpgradeArguments: Equatable, Sendable {
    public static let method = "upgrade"
    public static let shape = #"{"check": BOOL}"#
    /// Only compare running and on-disk executables; change nothing.
    public var check: Bool

    public init(check: Bool) { self.check = check }

    public init(json: JSON) throws(MethodError) {
        guard let o = json.object, o.keys.allSatisfy({ $0 == "check" }) else {
            throw MethodError(.badArguments, "upgrade takes \(Self.shape)")
        }
        switch o["check"] {
        case nil: check = false
        case let .bool(b)?: check = b
        default: throw MethodError(.badArguments, "upgrade: check must be true or false")
        }
    }

    public var json: JSON { .object(["check": .bool(check)]) }
}

public struct UpgradeReply: MethodReply {
    public enum Outcome: String, Sendable, CaseIterable {
        /// `--check`: nothing was changed.
        case checked
        /// Every changed component runs its new executable.
        case done
        /// Stopped at a component; the reason says which and why.
        case failed
    }

    /// What happened to one component.
    public enum Result: String, Sendable, CaseIterable {
        /// Running and on-disk executables are the same: left alone.
        case unchanged
        /// `--check`: would be replaced.
        case changes
        /// pppinit: re-executed; a daemon: restarted onto the new executable.
        case upgraded
        /// Failed on the new executable; runs the old one again.
        case rolledBack = "rolled-back"
        /// Not reached: the upgrade stopped before it.
        case skipped
        /// Not running (stopped or failed): nothing to replace.
        case notRunning = "not-running"
    }

    public struct Part: Equatable, Sendable {
        public var name: String
        /// ExecutableID of what runs now ("" when not running).
        public var running: String
        /// ExecutableID of the file on disk ("" when unreadable).
        public var onDisk: String
        public var result: Result
        public init(name: String, running: String, onDisk: String, result: Result) {
            self.name = name; self.running = running; self.onDisk = onDisk; self.result = result
        }
    }

    public var outcome: Outcome
    public var reason: String?
    public var components: [Part]

    public init(outcome: Outcome, reason: String? = nil, components: [Part]) {
        self.outcome = outcome; self.reason = reason; self.components = components
    }

    public init(json: JSON) throws(MethodError) {
        let o = try Self.object(json, keys: ["outcome", "reason", "components"])
        guard let outcome = o["outcome"]?.string.flatMap(Outcome.init(rawValue:)),
              case let .array(list)? = o["components"] else { throw Self.refuse(json) }
        self.outcome = outcome
        switch o["reason"] {
        case nil, .null?: reason = nil
        case let .string(s)?: reason = s
        default: throw Self.refuse(json)
        }
        var parts: [Part] = []
        for item in list {
            let p = try Self.object(item, keys: ["name", "running", "on_disk", "result"])
            guard let name = p["name"]?.string, !name.isEmpty, let running = p["running"]?.string,
                  let onDisk = p["on_disk"]?.string,
                  let result = p["result"]?.string.flatMap(Result.init(rawValue:)) else { throw Self.refuse(json) }
            parts.append(Part(name: name, running: running, onDisk: onDisk, result: result))
        }
        components = parts
    }

    public var json: JSON {
        var o: JSONObject = [
            "outcome": .string(outcome.rawValue),
            "components": .array(components.map {
                .object(["name": .string($0.name), "running": .string($0.running),
                         "on_disk": .string($0.onDisk), "result": .string($0.result.rawValue)])
            }),
        ]
        if let reason { o["reason"] = .string(reason) }
        return .object(o)
    }
}
