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

    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(elements)
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
        get { members.first { $0.key == key }?.value }
        set {
            let index = members.firstIndex { $0.key == key }
            switch (index, newValue) {
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
        precondition(!members.contains { $0.key == key }, "JSONObject.append: duplicate key \(key)")
        members.append((key, value))
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSON? {
        guard let i = members.firstIndex(where: { $0.key == key }) else { return nil }
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
