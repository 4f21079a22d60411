// What an NCP needs from its owner beyond the RFC 1661 events: the peer's LCP
// Protocol-Reject of this NCP's protocol (RFC 1661 §5.7), which arrives on
// another protocol (LCP) and so cannot come through receive().

extension ControlProtocol {
    /// RFC 1661 §5.7: a Protocol-Reject of this protocol is RXJ- for it (the
    /// §4.1 table; pppd's fsm_protreject): from Opened it terminates (one
    /// Terminate-Request, as the table says), elsewhere it stops at once.
    public mutating func rejectedByPeer() -> [ControlAction] {
        run(.rxjMinus)
    }
}
