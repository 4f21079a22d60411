// A port's RFC 1990 multilink keys, named as pppd's options: `multilink`,
// `mrru`, `mpshortseq`, `endpoint` (pppd's syntax, e.g. "IP:192.0.2.9",
// "magic:01020304", "local:6c6162", "MAC:00:16:3e:01:02:03", "phone:...").
import Config
import IPC
import PPP

extension RouterConfig {
    static func parseMultilink(port name: String, _ r: inout TableReader) throws(ConfigError) -> MultilinkSettings {
        var m = MultilinkSettings()
        m.enabled = try r.bool("multilink", default: false)
        // RFC 1990 §5.1.1: every system "MUST be able to receive" 1500; pppd
        // offers less only when told, and refuses an MRRU below its MRU floor.
        let mrru: UInt16? = try r.optionalInteger("mrru", in: 128...16_384)
        let short = try r.bool("mpshortseq", default: false)
        let endpoint = try r.optionalString("endpoint")
        if !m.enabled && (mrru != nil || short || endpoint != nil) {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'mrru', 'mpshortseq' and 'endpoint' need 'multilink = true'")
        }
        m.mrru = mrru ?? 1500
        m.shortSequence = short
        if let text = endpoint {
            guard let d = EndpointDiscriminator(text: text) else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'endpoint' is class:value with class null, local, IP, MAC, magic or phone (e.g. \"IP:192.0.2.9\", \"magic:01020304\"), got \"\(text)\"")
            }
            m.endpoint = d.encoded
        }
        return m
    }
}
