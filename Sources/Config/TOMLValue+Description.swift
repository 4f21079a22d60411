// A value printed back as inline TOML, e.g. `{a = 1, b = ["x", 2.5]}`:
// one canonical line that tests compare against and that pppctl can show
// when it echoes part of a config. Lines are not printed.

extension TOMLValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .string(let s):
            return TOMLParser.quoted(s)
        case .integer(let i):
            return String(i)
        case .float(let d):
            return d.isNaN ? "nan" : d.description
        case .boolean(let b):
            return b ? "true" : "false"
        case .array(let items):
            return "[" + items.map(\.value.description).joined(separator: ", ") + "]"
        case .table(let table):
            return table.description
        }
    }
}

extension TOMLTable: CustomStringConvertible {
    public var description: String {
        let body = entries.map { "\(TOMLParser.display($0.key)) = \($0.node.value)" }
        return "{" + body.joined(separator: ", ") + "}"
    }
}
