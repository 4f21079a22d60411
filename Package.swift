// swift-tools-version:6.0
// ppprouter: a PPP router built like a microkernel. See ../shared/DESIGN.md for
// the contract between the processes; this manifest mirrors its layout.
import PackageDescription

let daemonDeps: [Target.Dependency] = ["IPC", "PPP"]

let package = Package(
    name: "ppprouter",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pppinit", targets: ["pppinit"]),
        .executable(name: "pppctl", targets: ["pppctl"]),
        .executable(name: "linkd", targets: ["linkd"]),
        .executable(name: "authd", targets: ["authd"]),
        .executable(name: "ncpd", targets: ["ncpd"]),
        .executable(name: "bridged", targets: ["bridged"]),
        .executable(name: "metricsd", targets: ["metricsd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // What Swift cannot import: CMSG_* macros, variadic prctl, setresuid,
        // libcap, libseccomp, fork/exec with descriptor placement.
        .target(
            name: "CShim",
            linkerSettings: [.linkedLibrary("cap"), .linkedLibrary("seccomp")]
        ),
        // nettle's MD4, MD5, SHA-1 and DES, for authd only.
        .systemLibrary(name: "CNettle", pkgConfig: "nettle"),
        .target(name: "IPC", dependencies: ["CShim"]),
        .target(name: "PPP"),
        // PPPoE (RFC 2516, RFC 4638): frame and tag codecs, discovery state
        // machines, AC-Cookies; pure, no syscalls, no dependencies.
        .target(name: "PPPoE"),
        // IPv6 for sessions (issue 18): RS/RA codecs and the router and host
        // sides of RFC 4861 router discovery with SLAAC; DHCPv6 (RFC 8415)
        // codec, per-session server with prefix delegation pools, CPE client;
        // the deposited binding record. Pure, no syscalls, no dependencies.
        .target(name: "IPv6Services"),
        // L2TPv2 (RFC 2661): header and AVP codecs with hiding, reliable
        // control delivery, tunnel and session state machines, state records;
        // pure, no syscalls, no dependencies (its own MD5).
        .target(name: "L2TP"),
        // TUN offloads in userland (issue 21): virtio_net_hdr codec, Internet
        // checksums, TSO/USO segmentation to the session's MTU and GRO
        // coalescing of TCP segments; pure, no syscalls, no allocation per packet.
        .target(name: "Offload"),
        // TOML subset with line numbers; used by pppinit and pppctl only.
        .target(name: "Config"),
        .executableTarget(name: "linkd", dependencies: daemonDeps + ["CShim", "PPPoE", "L2TP", "Offload"]),
        .executableTarget(name: "authd", dependencies: daemonDeps + ["CNettle", "CShim"]),
        .executableTarget(name: "ncpd", dependencies: daemonDeps + ["CShim", "IPv6Services"]),
        .executableTarget(name: "bridged", dependencies: daemonDeps),
        // Prometheus /metrics over HTTP (issue 19); talks to pppinit only.
        .executableTarget(name: "metricsd", dependencies: ["IPC", "CShim"]),
        .executableTarget(name: "pppinit", dependencies: ["IPC", "Config", "CShim", "PPP", "IPv6Services"]),
        .executableTarget(
            name: "pppctl",
            dependencies: ["IPC", "Config", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "IPCTests", dependencies: ["IPC", "TestSupport"]),
        .testTarget(name: "PPPTests", dependencies: ["PPP"]),
        .testTarget(name: "PPPoETests", dependencies: ["PPPoE"]),
        .testTarget(name: "IPv6ServicesTests", dependencies: ["IPv6Services"]),
        .testTarget(name: "L2TPTests", dependencies: ["L2TP"]),
        .testTarget(name: "OffloadTests", dependencies: ["Offload"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "InitTests", dependencies: ["pppinit"]),
        // What several test targets share: a real FreeRADIUS started on
        // loopback for the RADIUS tests, the record fixtures of the previous
        // release, one EventLoop round for the batched-send suites.
        .target(name: "TestSupport", dependencies: ["IPC"], path: "Tests/TestSupport"),
        .testTarget(name: "AuthTests", dependencies: ["authd", "TestSupport"]),
        .testTarget(name: "NcpdTests", dependencies: ["ncpd", "IPC", "PPP", "IPv6Services", "TestSupport"]),
        .testTarget(name: "LinkTests", dependencies: ["linkd", "IPC", "PPP", "PPPoE", "TestSupport"]),
        .testTarget(name: "BridgedTests", dependencies: ["bridged", "TestSupport"]),
        .testTarget(name: "MetricsdTests", dependencies: ["metricsd", "IPC"]),
        .testTarget(name: "IntegrationTests", dependencies: ["IPC", "PPPoE", "TestSupport", "IPv6Services"]),
    ],
    swiftLanguageModes: [.v6]
)
