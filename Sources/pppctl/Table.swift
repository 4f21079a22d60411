// Human-readable tables for pppctl's default output: columns sized to their
// widest cell, "-" for missing values. --json prints the data instead.
import IPC

struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: [String]) { self.headers = headers }

    mutating func add(_ cells: [String]) { rows.append(cells) }

    func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, cell) in cells.enumerated() {
                let last = i == cells.count - 1
                out += last ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            return out
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}

extension JSON {
    /// A cell for a table: strings bare, null as "-".
    var cell: String {
        switch self {
        case .null: "-"
        case let .string(s): s
        case let .int(i): String(i)
        case let .double(d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case let .bool(b): b ? "yes" : "no"
        default: encoded()
        }
    }
}

func formatUptime(_ j: JSON?) -> String {
    guard let s = j?.double ?? j?.int.map(Double.init) else { return "-" }
    let t = Int(s)
    if t < 60 { return "\(t)s" }
    if t < 3600 { return "\(t / 60)m\(t % 60)s" }
    if t < 86400 { return "\(t / 3600)h\(t % 3600 / 60)m" }
    return "\(t / 86400)d\(t % 86400 / 3600)h"
}
