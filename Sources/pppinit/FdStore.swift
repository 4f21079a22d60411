// The fd store of DESIGN.md (after s6-fdholder): a daemon deposits
// descriptors plus a state record under a key; when it is restarted it gets
// them back at start-up. Entries belong to a component and live until it
// withdraws them or pppinit shuts down.
import IPC

final class FdStore {
    struct Entry {
        var record: [UInt8]
        var descriptors: [SharedDescriptor]
    }
    private struct Held {
        var order: Int
        var entry: Entry
    }
    /// component name → key → entry. A dictionary, not a list: ncpd
    /// deposits and withdraws per session, thousands of them, and each
    /// call must not copy or walk all the others. `order` keeps `list` in
    /// deposit order.
    private var entries: [String: [String: Held]] = [:]
    /// Descriptors held per component, for the bound.
    private var held: [String: Int] = [:]
    private var nextOrder = 0
    private(set) var descriptorCount = 0
    /// A bound on what one component may hold (descriptors are a finite resource).
    let maxDescriptorsPerComponent: Int

    init(maxDescriptorsPerComponent: Int = 65_536) {
        self.maxDescriptorsPerComponent = maxDescriptorsPerComponent
    }

    func count(_ component: String) -> Int { entries[component]?.count ?? 0 }
    /// Entries of every component (metricsd's fd-store gauge).
    var entryCount: Int { entries.values.reduce(0) { $0 + $1.count } }

    /// Replaces any entry under the same key (the old descriptors close);
    /// the entry moves to the end of the deposit order.
    func deposit(_ component: String, key: String, record: [UInt8], descriptors: [SharedDescriptor]) -> Bool {
        let replaced = entries[component]?[key]?.entry.descriptors.count
        let others = held[component, default: 0] - (replaced ?? 0)
        if replaced == nil && others + descriptors.count > maxDescriptorsPerComponent { return false }
        entries[component, default: [:]][key] = Held(order: nextOrder, entry: Entry(record: record, descriptors: descriptors))
        nextOrder += 1
        held[component] = others + descriptors.count
        descriptorCount += descriptors.count - (replaced ?? 0)
        return true
    }

    @discardableResult
    func withdraw(_ component: String, key: String) -> Bool {
        guard let old = entries[component]?.removeValue(forKey: key) else { return false }
        let n = old.entry.descriptors.count
        descriptorCount -= n
        held[component, default: 0] -= n
        if entries[component]?.isEmpty == true {
            entries[component] = nil
            held[component] = nil
        }
        return true
    }

    /// Components that hold entries (pppinit's state record).
    var componentNames: [String] { entries.keys.sorted() }

    func list(_ component: String) -> [(key: String, entry: Entry)] {
        (entries[component] ?? [:]).sorted { $0.value.order < $1.value.order }.map { ($0.key, $0.value.entry) }
    }

    /// Drops every entry of one component (a port a reload removed): its
    /// descriptors close with the last reference. Returns how many entries.
    @discardableResult
    func removeAll(_ component: String) -> Int {
        guard let gone = entries.removeValue(forKey: component) else { return 0 }
        descriptorCount -= held.removeValue(forKey: component) ?? 0
        return gone.count
    }

    func removeAll() {
        entries.removeAll()
        held.removeAll()
        descriptorCount = 0
    }
}
