// RLIMIT_NOFILE: a service manager starts us with a soft limit of 1024
// descriptors, which thousands of sessions outgrow (linkd holds a channel end
// per session, ncpd a channel and a TUN unit, pppinit's fd store what ncpd
// deposits). The hard limit is what the administrator allows; the soft one
// is raised to it at start, before children inherit it. Nothing here uses
// select(2), so descriptors above 1023 are safe.
#if canImport(Glibc)
import Glibc
#endif

public enum DescriptorLimit {
    /// Raises the soft limit to the hard one. Returns (before, after), or
    /// nil when the limit cannot be read or set (we carry on with it).
    @discardableResult
    public static func raiseToHard() -> (before: UInt64, after: UInt64)? {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let before = UInt64(limit.rlim_cur)
        guard limit.rlim_cur < limit.rlim_max else { return (before, before) }
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(resource, &limit) == 0 else { return nil }
        return (before, UInt64(limit.rlim_max))
    }

    /// The soft limit now, or nil when it cannot be read.
    public static var current: UInt64? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return UInt64(limit.rlim_cur)
    }
}
