// A port's settings as its sessions hold them: one reference each to a copy
// made once per port. PortSettings is a value of 456 octets (names, the
// PPPoE, L2TP, multilink and network settings); kept in every Session it was
// the largest single part of linkd's memory per session (issue 13, point 5:
// MemoryLayout<PortSettings>.size, release). A port's settings never change
// while it runs (a reload that changes them starts a new linkd), so sharing
// them changes nothing a session sees.
import IPC

final class SharedPortSettings {
    let value: PortSettings

    init(_ value: PortSettings) { self.value = value }
}
