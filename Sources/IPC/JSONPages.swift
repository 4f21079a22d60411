// A list longer than one message (Wire.maxMessageSize, 64 KiB) in pages: a
// method that lists per-session objects (linkd's and ncpd's `sessions`)
// answers {"from": N} with the items from N on that fit a page, and where
// the next page starts. Thousands of sessions at several hundred octets each
// do not fit one reply; a caller that sends no "from" gets the whole array
// as before (fine for the few sessions of a tty or UDP port). Pages are
// taken from a list that may change between calls: a session may be listed
// twice or missed when others start or end meanwhile; a listing, not a
// snapshot.
public enum JSONPages {
    /// What one page's items may take encoded; the rest of a message is
    /// for the reply's envelope and pppinit's relay of it.
    public static let budget = 48 * 1024

    /// {"items": [...], "next": M or null}: items `from`..< while they fit
    /// `budget` (always at least one, so a page moves on).
    public static func page(count: Int, from: Int, budget: Int = budget, _ item: (Int) -> JSON) -> JSON {
        let (items, next) = slice(count: count, from: from, budget: budget, item)
        return .object(["items": .array(items), "next": next.map { .int(Int64($0)) } ?? .null])
    }

    /// A page's items and where the next page starts (nil: none follows).
    public static func slice(count: Int, from: Int, budget: Int = budget, _ item: (Int) -> JSON) -> (items: [JSON], next: Int?) {
        var items: [JSON] = []
        var used = 2
        var i = from
        while i < count {
            let j = item(i)
            let size = j.encodedCount + 1
            if !items.isEmpty && used + size > budget { break }
            items.append(j)
            used += size
            i += 1
        }
        return (items, i < count ? i : nil)
    }
}
