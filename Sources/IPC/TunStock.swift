// Issue 13: where /dev/net/tun is 0600, ncpd's TUN descriptors come from
// pppinit (tun-requested). ncpd keeps a few ahead of the sessions and asks
// for them in batches, one round trip per batch instead of per unit.

/// The bounds both ends and the descriptor budget go by.
public enum TunStock {
    /// Descriptors one tun-requested asks for at most: what one
    /// descriptors-returned may carry (Catalogue: counted, at most 8).
    public static let batch = 8
    /// Descriptors ncpd keeps ahead (it refills by whole batches once half
    /// are used). With the one a refused TUNSETIFF gives back, at most
    /// `size + 1` wait in ncpd outside sessions: inside
    /// DescriptorBudget.headroom, which counts ncpd's stock.
    public static let size = 16
}
