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
    /// component name → key → entry, keys kept in deposit order.
    private var entries: [String: [(key: String, entry: Entry)]] = [:]
    private(set) var descriptorCount = 0
    /// A bound on what one component may hold (descriptors are a finite resource).
    let maxDescriptorsPerComponent: Int

    init(maxDescriptorsPerComponent: Int = 65_536) {
        self.maxDescriptorsPerComponent = maxDescriptorsPerComponent
    }

    func count(_ component: String) -> Int { entries[component]?.count ?? 0 }

    /// Replaces any entry under the same key (the old descriptors close).
    func deposit(_ component: String, key: String, record: [UInt8], descriptors: [SharedDescriptor]) -> Bool {
        var list = entries[component] ?? []
        let held = list.reduce(0) { $0 + $1.entry.descriptors.count }
        if let i = list.firstIndex(where: { $0.key == key }) {
            descriptorCount -= list[i].entry.descriptors.count
            list.remove(at: i)
        } else if held + descriptors.count > maxDescriptorsPerComponent {
            return false
        }
        list.append((key, Entry(record: record, descriptors: descriptors)))
        descriptorCount += descriptors.count
        entries[component] = list
        return true
    }

    @discardableResult
    func withdraw(_ component: String, key: String) -> Bool {
        guard var list = entries[component], let i = list.firstIndex(where: { $0.key == key }) else { return false }
        descriptorCount -= list[i].entry.descriptors.count
        list.remove(at: i)
        entries[component] = list.isEmpty ? nil : list
        return true
    }

    func list(_ component: String) -> [(key: String, entry: Entry)] { entries[component] ?? [] }

    func removeAll() {
        entries.removeAll()
        descriptorCount = 0
    }
}
