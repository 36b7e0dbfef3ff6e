// What a report run produced, in order: headings from `-- # Title` / `-- ## Section` comments and result
// sets, each result remembering the heading just above it and the `-- @chart` choice made for it. Collected whole (reports are read by people, so
// they are small) and then rendered in one format.
import SQLiteKit

public struct ReportDocument {
    public enum Block: Equatable {
        case heading(SQLScanner.Heading)
        case result(ResultSet, heading: String?, chart: SQLScanner.ChartChoice?)
    }

    public var blocks: [Block] = []
    /// The report's parameters as run, in declaration order.
    public var parameters: [(name: String, value: SQLValue)] = []
    /// The report file's name, shown under the title.
    public var source: String = ""

    public init() {}

    /// The first level-1 heading, else the file name without `.sql`.
    public var title: String {
        for case .heading(let h) in blocks where h.level == 1 { return h.text }
        var name = source.split(separator: "/").last.map(String.init) ?? source
        if name.hasSuffix(".sql") { name.removeLast(4) }
        return name
    }
}

/// Builds a ReportDocument from a run.
public final class ReportCollector: ResultObserver {
    public private(set) var document = ReportDocument()
    private var columns: [String] = []
    private var rows: [[SQLValue]] = []
    private var lastHeading: String?
    /// The `-- @chart` choice in force: from the directive to the next heading.
    private var chartChoice: SQLScanner.ChartChoice?
    /// Cap on rows kept per result, so a report that selects a whole table cannot exhaust memory.
    public var rowLimit = 1_000_000
    public private(set) var truncated = false

    public init() {}

    public func heading(_ heading: SQLScanner.Heading) {
        document.blocks.append(.heading(heading))
        lastHeading = heading.text
        chartChoice = nil
    }

    public func chart(_ choice: SQLScanner.ChartChoice) { chartChoice = choice }

    public func begin(columns: [String]) {
        self.columns = columns
        rows = []
    }

    public func row(_ values: [SQLValue]) {
        if rows.count < rowLimit { rows.append(values) } else { truncated = true }
    }

    /// A failed statement's partial result is left out of the report.
    public func abandon() {
        rows = []
    }

    public func end() {
        document.blocks.append(.result(ResultSet(columns: columns, rows: rows), heading: lastHeading, chart: chartChoice))
        lastHeading = nil
        rows = []
    }
}
