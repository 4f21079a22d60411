// pppctl's help and the README's pppctl block come from the catalogues
// (IPC/ControlCommands.swift, Methods.swift, Events.swift): the README block
// is ControlCommand.usage word for word, and every command's help shows its
// summary, admin note included.
import Foundation
import IPC
import Testing

@Suite struct ContractDocsTests {
    /// The fenced block under "## pppctl" in the README.
    static func readmeBlock() throws -> String {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        guard let section = readme.range(of: "## pppctl\n\n```\n"),
              let end = readme.range(of: "```", range: section.upperBound..<readme.endIndex) else {
            Issue.record("README.md has no fenced block under ## pppctl")
            return ""
        }
        return String(readme[section.upperBound..<end.lowerBound])
    }

    @Test func readmeBlockIsTheCatalogue() throws {
        let block = try Self.readmeBlock()
        #expect(block == ControlCommand.usage, "README.md's pppctl block should read:\n\(ControlCommand.usage)")
    }

    /// Whitespace runs made one space, so help's own line wrapping does not count.
    static func words(_ s: String) -> String {
        s.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
    }

    @Test(arguments: ControlCommand.allCases)
    func helpShowsTheSummary(_ c: ControlCommand) throws {
        let path = c.synopsis.split(separator: " ").prefix { $0.first?.isLowercase == true }.map(String.init)
        let r = try run(binDir + "/pppctl", path + ["--help"])
        #expect(r.status == 0)
        #expect(Self.words(r.stdout).contains(Self.words(c.summary)), "pppctl \(path.joined(separator: " ")) --help:\n\(r.stdout)")
    }

    @Test func rootHelpListsEveryCommand() throws {
        let r = try run(binDir + "/pppctl", ["--help"])
        for c in ControlCommand.allCases {
            let first = String(c.synopsis.split(separator: " ")[0])
            #expect(r.stdout.contains("  \(first) "), "pppctl --help does not list \(first)")
        }
    }
}
