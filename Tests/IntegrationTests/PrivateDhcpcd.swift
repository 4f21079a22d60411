// dhcpcd for the IPv6 tests, each run with directories of its own. dhcpcd
// keeps its pid file and control sockets in /run/dhcpcd and its leases in
// /var/lib/dhcpcd, named by interface and fixed when it was built (no
// option moves them): two tests running dhcpcd on a `ppp0` each, in
// different network namespaces at once, shared them, and the second one
// failed with "dhcpcd already running". Each run gets a private mount
// namespace (`unshare --mount`) with a fresh tmpfs on /run/dhcpcd and the
// test's own state directory bound on /var/lib/dhcpcd, so the runs of one
// test share a DUID and leases (a second dhcpcd is the same client) and no
// other test sees them.
import Foundation

struct PrivateDhcpcd {
    /// The state directory (/var/lib/dhcpcd as this test's dhcpcd sees it).
    let state: String

    /// Made if missing: a test's second run takes up the first one's state.
    init(tag: String) throws {
        state = Self.state(tag)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    }

    static func state(_ tag: String) -> String { "/tmp/ppprouter-dhcpcd-state-\(tag)" }

    /// At the end of the test that used `tag`.
    static func remove(tag: String) { try? FileManager.default.removeItem(atPath: state(tag)) }

    /// The command line to run in the subscriber's namespace: `dhcpcd
    /// arguments...` inside its own mount namespace. unshare and sh exec,
    /// so the process started is dhcpcd itself (a signal to it reaches it).
    func command(_ arguments: [String]) -> [String] {
        let script = "mkdir -p /run/dhcpcd /var/lib/dhcpcd"
            + " && mount -t tmpfs -o mode=0755 dhcpcd-run /run/dhcpcd"
            + " && mount --bind \"$0\" /var/lib/dhcpcd && exec dhcpcd \"$@\""
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, state] + arguments
    }

}
