// Integration (issue 21): a 20 MB random file over TCP through one PPPoE
// session between two routers in their own namespaces (veth, MTU 1500, MRU
// 1492), each way, with TUN offloads on and again with `offload = false` in
// both configs; the octets must arrive intact (sha256 on both ends, so the
// receiving kernel verified every IP and TCP checksum of the segments linkd
// cut). With offloads on, the counters must show super-packets read from the
// TUN, carried over the channel and segmented by linkd; with them off, none.
import Foundation
import IPC
import Testing

/// The AC of the offload suites on bras0; `port` adds keys (VLANs).
func offloadAC(_ offload: Bool, address: String = "10.96.0.1:10.96.0.2", port: String = "") -> String {
    """
    [router]
    seccomp = "kill"
    [port.access]
    type = "pppoe"
    role = "ac"
    interface = "bras0"
    address = "\(address)"
    offload = \(offload)
    \(port)
    \(withoutWatchdog)
    """
}

/// Its client on cpe0; `port` adds keys (VLANs).
func offloadClient(_ offload: Bool, port: String = "") -> String {
    """
    [router]
    seccomp = "kill"
    [port.wan]
    type = "pppoe"
    role = "client"
    interface = "cpe0"
    noipdefault = true
    offload = \(offload)
    \(port)
    \(withoutWatchdog)
    """
}

/// A one-connection TCP endpoint: `recv` writes the sha256 of what it read
/// to stdout; `send FILE` sends the file and prints its sha256.
let transferScript = """
import hashlib, socket, sys
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
def serve():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(1); s.settimeout(60)
    c, _ = s.accept(); c.settimeout(60); return c
def connect():
    for _ in range(100):
        try: return socket.create_connection((host, port), timeout=60)
        except OSError: import time; time.sleep(0.1)
    raise SystemExit("no connection")
c = serve() if mode.startswith("serve") else connect()
h = hashlib.sha256(); n = 0
if mode.endswith("recv"):
    while True:
        b = c.recv(1 << 16)
        if not b: break
        h.update(b); n += len(b)
else:
    with open(sys.argv[4], "rb") as f:
        while True:
            b = f.read(1 << 16)
            if not b: break
            c.sendall(b); h.update(b); n += len(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
c.close()
print(h.hexdigest(), n)
"""

/// What OffloadTests and VLANOffloadTests share: the transfer script and
/// a file of `size` random octets in /tmp (removed by `remove`), and the
/// file moved through a session each way with sha256 compared.
struct OffloadTransfer {
    let script: String, file: String, size: Int

    init(name: String, size: Int) {
        script = "/tmp/ppprouter-\(name)-\(getpid()).py"
        file = "/tmp/ppprouter-\(name)-\(getpid()).bin"
        self.size = size
        FileManager.default.createFile(atPath: script, contents: Data(transferScript.utf8))
        var bytes = [UInt8](repeating: 0, count: size)
        var g = SystemRandomNumberGenerator()
        for i in stride(from: 0, to: bytes.count, by: 8) { withUnsafeBytes(of: g.next() as UInt64) { for k in 0..<8 { bytes[i + k] = $0[k] } } }
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
    }

    func remove() { for p in [script, file] { try? FileManager.default.removeItem(atPath: p) } }

    /// Moves the file from `from` to `to` (server in `to`'s namespace on
    /// `address`) and returns both ends' "sha256 length".
    func transfer(from: Netns, to: Netns, address: String) throws -> (sent: String, received: String) {
        let port = "\(Int.random(in: 20_000...40_000))"
        let server = try NamespacedProcess(namespace: to.name, ["python3", script, "serve-recv", address, port])
        let client = try from.exec(["python3", script, "connect-send", address, port, file], timeout: 120)
        let deadline = Date().addingTimeInterval(60)
        while server.process.isRunning && Date() < deadline { usleep(50_000) }
        server.stop()
        return (client.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                server.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Upload (client → AC at `acAddress`), then download (AC → the client's
    /// IPCP address in `up`): every octet arrives, each way.
    func bothWays(_ net: VethPair, acAddress: String, up: JSON, clientLog: () -> String) throws {
        let upload = try transfer(from: net.right, to: net.left, address: acAddress)
        #expect(!upload.sent.isEmpty && upload.sent == upload.received,
                "upload: sent \(upload.sent), received \(upload.received)\nclient log:\n\(clientLog().suffix(3000))")
        let clientAddress = try #require(up["ipcp"]?["local"]?.string)
        let download = try transfer(from: net.left, to: net.right, address: clientAddress)
        #expect(!download.sent.isEmpty && download.sent == download.received, "download: sent \(download.sent), received \(download.received)")
        #expect(upload.sent.hasSuffix(" \(size)"))
    }
}

/// An AC router on `net`'s left and a client router on its right, the
/// client's session IPCP-opened (waited for at most `seconds`).
func offloadRouters(_ net: VethPair, ac acPath: String, client clientPath: String, seconds: Double = 20) throws
    -> (ac: RouterUnderTest, client: RouterUnderTest, up: JSON) {
    let ac = try RouterUnderTest(config: acPath, netns: net.left.name)
    do {
        try ac.allRunning()
        let client = try RouterUnderTest(config: clientPath, netns: net.right.name)
        guard let up = client.waitForSession(seconds: seconds, ipcpOpened) else {
            defer { client.stop() }
            throw TestFailure("no session; client log:\n\(client.log)\nAC log:\n\(ac.log)")
        }
        return (ac, client, up)
    } catch {
        ac.stop()
        throw error
    }
}

@Suite(.serialized) struct OffloadTests {
    func run(offload: Bool) throws {
        let net = try VethPair("bras0", "cpe0", mtu: 1500)
        let acPath = writeConfig(offloadAC(offload)), clientPath = writeConfig(offloadClient(offload))
        let data = OffloadTransfer(name: "offload", size: 20 << 20)
        defer { data.remove(); for p in [acPath, clientPath] { try? FileManager.default.removeItem(atPath: p) } }
        let (ac, client, up) = try offloadRouters(net, ac: acPath, client: clientPath)
        defer { client.stop(); ac.stop() }
        #expect(up["local"]?["mru"]?.int == 1492)
        try data.bothWays(net, acAddress: "10.96.0.1", up: up, clientLog: { client.log })

        // The counters: both ncpds read super-packets from their TUN and
        // both linkds segmented them, with offloads on; none with them off.
        for (router, name) in [(client, "client"), (ac, "AC")] {
            let s = try #require(router.waitForSession(ipcpOpened))
            let ncpdOut = int(s, "ip_counters", "super_packets_out")
            let linkdOut = int(s, "counters", "super_packets_out")
            let segments = int(s, "counters", "frames_out")
            print("offload \(offload) \(name): unit \(s["offload"]?.string ?? "-"), ncpd super-packets out \(ncpdOut), in \(int(s, "ip_counters", "super_packets_in")); linkd segmented \(linkdOut) into part of \(segments) frames out; refused \(int(s, "counters", "super_packets_refused"))")
            let ncpdIn = int(s, "ip_counters", "super_packets_in")
            let coalesced = int(s, "channel", "super_packets_to_channel")
            print("offload \(offload) \(name): linkd coalesced \(coalesced) super-packets to the channel; port \(router.linkdStatus()?["pppoe"].map { "\($0)" } ?? "-")")
            if offload {
                #expect(s["offload"]?.string?.contains("tso4") == true, "\(name): \(s)")
                #expect(ncpdOut > 0 && linkdOut > 0, "\(name): \(s)")
                #expect(coalesced > 0 && ncpdIn > 0, "\(name): \(s)")
                #expect(int(s, "counters", "super_packets_refused") == 0)
            } else {
                #expect(s["offload"]?.string == "plain", "\(name): \(s)")
                #expect(ncpdOut == 0 && linkdOut == 0 && ncpdIn == 0 && coalesced == 0)
            }
        }
    }

    @Test(.enabled(if: isRoot)) func largeFileWithOffloads() throws { try run(offload: true) }
    @Test(.enabled(if: isRoot)) func largeFileWithoutOffloads() throws { try run(offload: false) }
}
