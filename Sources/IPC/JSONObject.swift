// A JSON object as an ordered list of members. Order is kept so a status
// reply prints its fields in the order the daemon wrote them; lookups are
// linear, which suits the few dozen members a reply has.

public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Member = (key: String, value: JSON)

    public private(set) var members: [Member] = []

    public init() {}

    /// A repeated key keeps its first position and takes its last value.
    public init(_ pairs: some Sequence<(String, JSON)>) {
        for (key, value) in pairs { self[key] = value }
    }

    /// A literal's keys are nearly always distinct: they are appended as
    /// they come, and only a literal that repeats one (found by comparing
    /// lengths first) is built member by member, with the same result as
    /// `init(_:)`. A status object of a few dozen members was a quadratic
    /// number of string comparisons (issue 13, point 4: listing sessions).
    public init(dictionaryLiteral elements: (String, JSON)...) {
        if JSONObject.hasRepeatedKey(elements) {
            self.init(elements)
            return
        }
        self.init(uniqueMembers: elements.map { (key: $0.0, value: $0.1) })
    }

    static func hasRepeatedKey(_ elements: [(String, JSON)]) -> Bool {
        guard elements.count > 1 else { return false }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: elements.count) { lengths in
            for (i, e) in elements.enumerated() { lengths[i] = e.0.utf8.count }
            for i in 1..<elements.count {
                for j in 0..<i where lengths[j] == lengths[i] && elements[j].0 == elements[i].0 { return true }
            }
            return false
        }
    }

    /// The index of `key`; a key of another length is passed over without
    /// comparing its text.
    func index(of key: String) -> Int? {
        let n = key.utf8.count
        return members.firstIndex { $0.key.utf8.count == n && $0.key == key }
    }

    /// Members whose keys the caller has already found distinct; only the
    /// parser builds objects this way.
    init(uniqueMembers: [Member]) {
        members = uniqueMembers
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }
    public var values: [JSON] { members.map(\.value) }

    /// Setting replaces a value in place or appends a new member; setting nil removes.
    public subscript(key: String) -> JSON? {
        get { index(of: key).map { members[$0].value } }
        set {
            switch (index(of: key), newValue) {
            case (let i?, let v?): members[i].value = v
            case (let i?, nil): members.remove(at: i)
            case (nil, let v?): members.append((key, v))
            case (nil, nil): break
            }
        }
    }

    /// Same as `self[key] = value`.
    public mutating func set(_ key: String, _ value: JSON) {
        self[key] = value
    }

    /// Appends a member whose key must be new; a repeated key is a programmer
    /// error and traps, since two members with one key would reach the wire.
    public mutating func append(_ key: String, _ value: JSON) {
        precondition(index(of: key) == nil, "JSONObject.append: duplicate key \(key)")
        members.append((key, value))
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSON? {
        guard let i = index(of: key) else { return nil }
        return members.remove(at: i).value
    }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    /// Order matters: two objects with the same members in another order differ,
    /// just as their encodings do.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
