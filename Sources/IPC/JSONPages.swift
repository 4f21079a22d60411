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

extension JSONPages {
    /// Up to `parts` pages from `from`, each already encoded: the same text
    /// as `page(...).encoded()` page after page (the `next` of each is where
    /// the following one starts), but every item is encoded once, straight
    /// into its page, instead of being measured (`encodedCount`) and then
    /// encoded again, and no JSON array or page object is built around
    /// them (issue 13, point 4: linkd's and ncpd's share of a listing of
    /// 10,000 sessions). An item that does not fit a page is kept, already
    /// encoded, for the next one.
    public static func encodedPages(count: Int, from: Int, parts: Int, budget: Int = budget,
                                    _ item: (Int) -> JSON) -> [String] {
        var pages: [String] = []
        var i = from
        var page: [UInt8] = []
        page.reserveCapacity(budget + 64)
        var carried: [UInt8] = []
        let head = Array(#"{"items":["#.utf8)
        // Bounded: at most `parts` pages, each at least one item on.
        for _ in 0..<max(1, parts) {
            page.removeAll(keepingCapacity: true)
            page += head
            var used = 2
            var items = 0
            while i < count {
                let start = page.count
                if items > 0 { page.append(UInt8(ascii: ",")) }
                if carried.isEmpty {
                    item(i).write(into: &page, pretty: false, indent: 0)
                } else {
                    page += carried
                    carried.removeAll(keepingCapacity: true)
                }
                // As in `slice`: the item's octets and one for its comma or bracket.
                let size = page.count - start + (items > 0 ? 0 : 1)
                if items > 0 && used + size > budget {
                    carried += page[(start + 1)...]
                    page.removeSubrange(start...)
                    break
                }
                used += size
                items += 1
                i += 1
            }
            page += Array(#"],"next":"#.utf8)
            if i < count { JSON.writeInt(Int64(i), into: &page) } else { page += Array("null".utf8) }
            page.append(UInt8(ascii: "}"))
            pages.append(String(decoding: page, as: UTF8.self))
            guard i < count else { break }
        }
        return pages
    }
}
