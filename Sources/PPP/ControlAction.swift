// What a control protocol asks its event loop to do. The layer never performs
// I/O or reads a clock: linkd/ncpd carry these out in order.

/// One instruction from ControlProtocol to its owner.
public enum ControlAction: Equatable, Sendable {
    /// Transmit this encoded control packet in a frame whose Protocol field is
    /// the negotiator's protocolNumber.
    case send([UInt8])
    /// (Re)arm the single restart timer; call timeout() when it fires.
    case startTimer(Duration)
    case stopTimer
    /// RFC 1661 §4.4 tlu/tld/tls/tlf, passed up.
    case thisLayerUp
    case thisLayerDown
    case thisLayerStarted
    case thisLayerFinished
    /// We gave up on the negotiation; a close follows in the same list.
    case negotiationFailed(NegotiationFailure)
    /// RFC 1661 §5.7: the peer refuses this protocol; stop sending it.
    case protocolRejected(ProtocolNumber)
    /// RFC 1661 §5.6: the peer does not understand this code.
    case codeRejected(ControlCode)
    /// RFC 1661 §5.8: an answer to one of our Echo-Requests.
    case echoReplyReceived(identifier: UInt8, magicNumber: UInt32, data: [UInt8])
    /// An Echo-Request or Echo-Reply carried our own Magic-Number: the link
    /// is probably looped back (RFC 1661 §5.8, §6.4).
    case loopbackSuspected
    /// RFC 1570 §2.1, advisory only.
    case identificationReceived(magicNumber: UInt32, message: [UInt8])
    /// RFC 1570 §2.2, advisory only.
    case timeRemainingReceived(magicNumber: UInt32, seconds: UInt32, message: [UInt8])
    /// RFC 1661 §5.5: the peer's Terminate-Request data (its reason).
    case terminateRequested(reason: [UInt8])
}
