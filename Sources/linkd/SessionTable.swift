// The sessions of a port as `pppctl sessions` lists them: the live ones in
// the order they started, then the last few that ended (so it can still say
// why). Starting or ending a session is O(1), amortized: at 10,000 sessions
// a teardown must not rescan the list for each session that ends (issue 13).
// A slot left by an ended session stays empty until the empty ones
// outnumber the live ones; then one pass closes the gaps.

protocol SessionTableEntry: AnyObject {
    var id: String { get }
}

struct SessionTable<Entry: SessionTableEntry> {
    /// Live entries in start order, nil where one ended.
    private var slots: [Entry?] = []
    private var slotOf: [ObjectIdentifier: Int] = [:]
    private var byID: [String: Entry] = [:]
    private var holes = 0
    /// The most recent ended entries, oldest first.
    private(set) var ended: [Entry] = []
    let endedKept: Int
    /// Entries visited by `end` and by closing gaps: what the tests bound.
    private(set) var work = 0

    init(endedKept: Int) { self.endedKept = endedKept }

    var liveCount: Int { slotOf.count }

    /// The live entries, in start order (a listing: O(n)).
    var live: [Entry] { slots.compactMap { $0 } }

    /// Live entries, then ended ones.
    var all: [Entry] { live + ended }

    func live(id: String) -> Entry? { byID[id] }

    mutating func add(_ e: Entry) {
        slotOf[ObjectIdentifier(e)] = slots.count
        slots.append(e)
        byID[e.id] = e
    }

    /// `e` ended: out of the live entries, into the ended ones.
    mutating func end(_ e: Entry) {
        work += 1
        if let i = slotOf.removeValue(forKey: ObjectIdentifier(e)) {
            slots[i] = nil
            holes += 1
            if byID[e.id] === e { byID[e.id] = nil }
        }
        ended.append(e)
        if ended.count > endedKept { ended.removeFirst(ended.count - endedKept) }
        if holes > 32 && holes > slotOf.count { closeGaps() }
    }

    private mutating func closeGaps() {
        work += slots.count
        let kept = slots.compactMap { $0 }
        for (i, e) in kept.enumerated() { slotOf[ObjectIdentifier(e)] = i }
        slots = kept
        holes = 0
    }
}
