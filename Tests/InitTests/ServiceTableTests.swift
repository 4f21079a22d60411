// pppinit's service table: one row per daemon, every grant with a reason,
// every syscall name known to libseccomp, and the components and setups it
// makes from a config. Sandbox.loadSeccomp refuses an unknown name before it
// loads anything (so this test process stays unfiltered).
import IPC
import Testing
@testable import pppinit

@Test func everyDaemonHasOneRow() {
    #expect(Set(Service.table.map(\.peer)) == Peer.daemons)
    #expect(Service.table.count == Peer.daemons.count)
}

@Test func everyGrantHasAReasonAndAKnownName() {
    for s in Service.table {
        #expect(s.capabilities.allSatisfy { !$0.reason.isEmpty })
        #expect(s.syscalls.allSatisfy { !$0.reason.isEmpty })
        #expect(Set(s.syscalls.map(\.value)).count == s.syscalls.count, "\(s.peer) lists a rule twice")
        #expect(Set(s.syscalls.map(\.value)).isDisjoint(with: Sandbox.baseRules), "\(s.peer) repeats a base rule")
        // An unconditioned grant of a name the base narrows would undo the narrowing.
        let narrowed = Set(Sandbox.baseRules.filter { !$0.conditions.isEmpty }.map(\.name))
        #expect(!s.syscalls.contains { $0.value.conditions.isEmpty && narrowed.contains($0.value.name) }, "\(s.peer) widens a base rule")
    }
    #expect(Service.unknownSyscalls.isEmpty)
}

@Test func unknownSyscallNamesAreFound() {
    #expect(Sandbox.unknownSyscalls(["read", "no_such_syscall", "accept4", "opneat"]) == ["no_such_syscall", "opneat"])
}

@Test func loadSeccompRefusesAnUnknownName() {
    #expect {
        try Sandbox.loadSeccomp(["read", "write", "no_such_syscall"].map { SyscallRule($0) }, mode: .kill)
    } throws: { error in
        (error as? SandboxError)?.step == "seccomp: unknown syscall 'no_such_syscall'"
    }
}

@Test func componentsComeFromTheTable() throws {
    let c = try RouterConfig.parse("""
        [port.u0]
        type = "udp"
        local = "127.0.0.1:1"
        [port.u1]
        type = "udp"
        local = "127.0.0.1:2"
        """, file: "r.toml")
    let loop = try EventLoop()
    let r = Router(config: c, loop: loop)
    #expect(r.components.map(\.name) == ["authd", "ncpd", "bridged", "linkd@u0", "linkd@u1"])
    let ncpd = r.component(named: "ncpd")!.setup
    #expect(ncpd.capabilities == [Capability.netAdmin.rawValue])
    // recvmmsg: issue 13, many sessions' frames per read of a linkd's mux.
    #expect(ncpd.syscalls.map(\.name) == ["openat", "ioctl", "ioctl", "ioctl", "ioctl", "ioctl", "ioctl", "socket", "bind",
                                         "getsockname", "connect", "unlink", "chmod", "recvmmsg", "sendmmsg"])
    // sendmmsg (issue 21, the mux's batched sends): with ppp_send_batch's flags only.
    #expect(ncpd.syscalls.last?.conditions == [.init(argument: 3, value: 0x4040)])
    // TUNSETIFF, SIOCGIFINDEX, issue 21's TUNSETVNETHDRSZ, TUNSETOFFLOAD,
    // TUNGETIFF, and issue 17's SIOCOUTQ (a bundle link's channel backlog):
    // no other ioctl.
    #expect(ncpd.syscalls.filter { $0.name == "ioctl" }.map { $0.conditions.map(\.value) }
            == [[0x4004_54ca], [0x8933], [0x4004_54d8], [0x4004_54d0], [0x8004_54d2], [0x5411]])
    #expect(ncpd.peerUIDs.count == Peer.daemons.count)
    #expect(ncpd.runtimeDir == c.runtimeDir)
    let linkd = r.component(named: "linkd@u1")!.setup
    #expect(linkd.instance == "u1" && linkd.capabilities.isEmpty && linkd.syscalls.contains(SyscallRule("accept4")))
    #expect(try LinkdSettings.decode(linkd.settings).port.name == "u1")
    #expect(r.component(named: "authd")!.setup.syscalls.isEmpty)
    #expect(!Sandbox.baseSyscalls.contains("socket") && !Sandbox.baseSyscalls.contains("socketpair"))
}
