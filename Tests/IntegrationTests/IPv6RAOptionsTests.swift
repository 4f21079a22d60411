// Integration (issue 18): the RA keys of [ipv6.PORT] beyond the prefix, as
// Debian's rdisc6 reads them off the subscriber's ppp0: MinRtrAdvInterval
// and AdvDefaultLifetime (RFC 4861 §6.2.1), the prefix's A flag (§4.6.2),
// the RDNSS and DNSSL lifetimes and the search list (RFC 8106 §5.1, §5.2).
// tshark must decode every ICMPv6 packet of the run.
import Foundation
import IPC
import Testing

extension IPv6SessionTests {
    @Test(.enabled(if: hasRdisc6, "needs ndisc6 (scripts/test.sh installs it)"))
    func rdisc6SeesTheConfiguredRouterLifetimeFlagsAndDNSLifetimes() throws {
        let lab = try SessionLab(serverTables: IPv6LabConfig.tables + """

            min-ra-interval = 10
            router-lifetime = 100
            autonomous = false
            dns-lifetime = 60
            search-domains = ["example.net"]
            """)
        defer { lab.remove() }
        let (nsB, a) = (lab.nsB, lab.a)
        let capture = try IPv6Capture(nsB, interface: "ppp0")
        let up = a.waitForSession(seconds: 20, "an advertised /64") { $0["ipv6"]?["prefix"]?.string == "2001:db8:1::/64" }
        #expect(up != nil, "\(a.log.suffix(3000))")
        let rd = try nsB.exec(["rdisc6", "-r", "3", "-w", "4000", "ppp0"], timeout: 40)
        print("rdisc6 ppp0:\n\(rd.stdout)")
        #expect(rd.status == 0, "rdisc6: \(rd.stdout) \(rd.stderr)")
        for (pattern, what) in [(#"Router lifetime\s*:\s*100 "#, "AdvDefaultLifetime"),
                                (#"Autonomous address conf\.\s*:\s*No"#, "the A flag"),
                                (#"On-link\s*:\s*Yes"#, "the L flag"),
                                (#"Recursive DNS server\s*:\s*2001:db8::53"#, "RDNSS"),
                                (#"DNS server lifetime\s*:\s*60 "#, "the RDNSS lifetime"),
                                (#"DNS search list\s*:\s*example\.net"#, "DNSSL"),
                                (#"DNS search list lifetime\s*:\s*60 "#, "the DNSSL lifetime")] {
            #expect(rd.stdout.range(of: pattern, options: .regularExpression) != nil, "\(what): \(rd.stdout)")
        }
        if let capture {
            let info = try capture.decoded()
            #expect(info.contains { $0.contains("Router Advertisement") }, "\(info)")
            print("capture: \(info.count) ICMPv6 packets decoded by tshark, none malformed")
        }
    }
}
