// Units of ended sessions, deleted in batches (Netlink+Group.swift says why):
// each retiring unit joins `group`, and shortly after the last one of a
// burst the whole group is deleted with one request; then the TUN
// descriptors close, which is quick once their interfaces are gone. Where
// the kernel refuses (a TUN without rtnetlink dellink on an old kernel), a
// unit is simply closed as before, one grace period each.
import IPC

final class UnitRetirement {
    /// The interface group retiring units pass through ("ppd" in ASCII):
    /// an administrator's `ip link set ... group` numbers are small.
    static let group: UInt32 = 0x0070_7064
    /// How long a burst of ended sessions gathers before the delete.
    static let delay = 0.02

    private let netlink: Netlink
    private let loop: EventLoop?
    private var units: [Unit] = []
    private var names: Set<String> = []
    private var timer: TimerID?
    private(set) var batches = 0

    init(netlink: Netlink, loop: EventLoop?) {
        self.netlink = netlink
        self.loop = loop
    }

    func retire(_ unit: Unit) {
        // A failure here leaves `unit` to close as it goes out of scope.
        guard (try? netlink.setGroup(index: unit.index, group: Self.group)) != nil else { return }
        units.append(unit)
        names.insert(unit.name)
        guard timer == nil else { return }
        guard let loop else { flush(); return }
        timer = loop.schedule(after: Self.delay) { [unowned self] in
            self.timer = nil
            self.flush()
        }
    }

    /// True while an interface of that name waits for deletion (a new unit
    /// of the same name must wait for it: `flush` first).
    func holds(_ name: String) -> Bool { names.contains(name) }

    /// Deletes the group now; the descriptors close after.
    func flush() {
        if let t = timer, let loop { loop.cancel(t) }
        timer = nil
        guard !units.isEmpty else { return }
        try? netlink.deleteGroup(Self.group)
        batches += 1
        units.removeAll()
        names.removeAll()
    }
}
