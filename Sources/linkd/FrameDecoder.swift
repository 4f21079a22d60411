// The receive side of a port's wire format: an RFC 1662 §4 deframer for byte
// streams, or one frame per datagram. Bad frames are dropped and counted
// (STYLE.md), by kind, for `pppctl sessions`.
import PPP

struct FrameDecoder {
    /// Datagram errors; the async deframer keeps its own counters.
    struct Counters {
        /// Address/Control/Protocol fields that do not parse.
        var badHeaders = 0
        /// Datagrams longer than our MRU allows.
        var giants = 0
    }

    let isAsync: Bool
    private var deframer: AsyncDeframer
    private var counters = Counters()
    /// Largest Information field we accept: our MRU, but RFC 1661 §6.1 says
    /// to take up to 1500 whatever was negotiated, so never below that.
    private var maximumInformation: Int

    init(async: Bool, mru: UInt16) {
        isAsync = async
        maximumInformation = max(Int(mru), 1500)
        // 8 = Address, Control, Protocol and an FCS-32 at most. A datagram
        // port never feeds the deframer: a length of 0 keeps it from
        // reserving a frame's worth of buffer per session (issue 13, point 5).
        deframer = AsyncDeframer(maximumFrameLength: async ? maximumInformation + 8 : 0)
    }

    /// Feeds what one read returned; `frame` runs once per good frame with a
    /// slice valid only during the call, and returns the options to read by
    /// from the next octet on when that frame completed a negotiation (nil:
    /// unchanged). On a stream they apply within this read (AsyncDeframer).
    mutating func feed(_ bytes: ArraySlice<UInt8>, frame: (ProtocolNumber, ArraySlice<UInt8>) -> LCPNegotiatedOptions?) {
        if isAsync {
            var last: LCPNegotiatedOptions?
            deframer.feed(bytes) { (proto, information) -> AsyncDeframer.Change? in
                guard let o = frame(proto, information) else { return nil }
                last = o
                return AsyncDeframer.Change(receiveMap: o.receiveACCM, maximumFrameLength: max(Int(o.localMRU), 1500) + 8)
            }
            if let last { maximumInformation = max(Int(last.localMRU), 1500) }
            return
        }
        // 4 = Address, Control and a two-octet Protocol field.
        guard bytes.count <= maximumInformation + 4 else {
            counters.giants += 1
            return
        }
        do {
            let (proto, information) = try SyncFraming.decode(bytes)
            if let o = frame(proto, information) { apply(o) }
        } catch {
            counters.badHeaders += 1
        }
    }

    /// RFC 1662 §7.1: drop unescaped control characters only as our own ACCM
    /// announced; accept frames up to our MRU.
    mutating func apply(_ o: LCPNegotiatedOptions) {
        maximumInformation = max(Int(o.localMRU), 1500)
        deframer.receiveMap = o.receiveACCM
        deframer.maximumFrameLength = maximumInformation + 8
    }

    /// A new negotiation: RFC 1662 §7.1 defaults, wait for the next Flag.
    mutating func reset() {
        apply(LCPNegotiatedOptions())
        deframer.reset()
    }

    /// A byte stream's deframer settings (nil for datagrams), deposited
    /// with a TCP session so a restarted linkd reads on where we stopped.
    var streamSettings: AsyncDeframer.Settings? { isAsync ? deframer.settings : nil }

    /// Reading on a stream another linkd was reading: its settings, from
    /// the next Flag on.
    mutating func resume(_ s: AsyncDeframer.Settings) {
        maximumInformation = max(s.maximumFrameLength - 8, 1500)
        deframer.resume(s)
    }

    var errors: WireErrors {
        let d = deframer.counters
        return WireErrors(badFCS: d.badFCS, runts: d.runts, giants: d.giants + counters.giants, aborts: d.aborts,
                          badHeaders: d.badHeaders + counters.badHeaders,
                          ignoredControlCharacters: d.ignoredControlCharacters)
    }
}

/// Wire errors by kind, as `pppctl sessions` shows them.
struct WireErrors {
    var badFCS = 0, runts = 0, giants = 0, aborts = 0, badHeaders = 0, ignoredControlCharacters = 0
}
