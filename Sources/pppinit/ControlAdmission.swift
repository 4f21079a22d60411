// Who may open one more control conversation. A single global cap let one
// unprivileged uid hold every slot and lock root out (issue 15): now each
// uid but root has a share, and the last slots are kept for root and the
// admin group, so an operator can always get in to see and fix things.

struct ControlAdmission: Equatable {
    /// Conversations at once, in all.
    var capacity = 64
    /// Of those, kept for root and the admin group.
    var reserved = 16
    /// At most this many per uid (root excepted: it has the whole capacity).
    var perUID = 8

    private(set) var total = 0
    private(set) var byUID: [UInt32: Int] = [:]

    enum Refusal: Equatable, CustomStringConvertible {
        case full, reservedForAdmin, uidShare(Int)
        var description: String {
            switch self {
            case .full: "too many control clients"
            case .reservedForAdmin: "the remaining control slots are kept for root and the admin group"
            case let .uidShare(n): "this uid already holds \(n) control conversations"
            }
        }
    }

    /// Takes a slot, or says why not.
    mutating func admit(uid: UInt32, admin: Bool) -> Refusal? {
        if total >= capacity { return .full }
        let mine = byUID[uid, default: 0]
        if uid != 0 {
            if mine >= perUID { return .uidShare(mine) }
            if !admin && total >= capacity - reserved { return .reservedForAdmin }
        }
        total += 1
        byUID[uid] = mine + 1
        return nil
    }

    mutating func release(uid: UInt32) {
        guard let mine = byUID[uid], mine > 0 else { return }
        total -= 1
        byUID[uid] = mine == 1 ? nil : mine - 1
    }
}
