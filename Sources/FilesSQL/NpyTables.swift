// NumPy arrays as rows: `read_npy(path)` → i, vector, value; `read_npz(path [, array])` → array, i, vector,
// value. A 2-D (or higher) array gives one float32 vector BLOB per row (ready for cosine_distance and
// knn_match); a 1-D array gives one `value` per row. Constraints on `i` (=, <, <=, >, >=) are pushed down,
// so `WHERE i = 5` reads one row of a mapped file.
import Files
import SQLiteKit
import StrataCommon

final class ReadNpyTable: VirtualTable {
    static let npy = SQLDeclaration(
        "read_npy", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: [.required("files", ".npy files (np.save): a path or glob")],
        columns: [SQLColumn("i", "INTEGER", "row index (first axis)"),
                  SQLColumn("vector", "BLOB", "the row as a float32 vector (arrays of 2 or more dimensions)"),
                  SQLColumn("value", "", "the element (1-D arrays): INTEGER for integer dtypes, REAL for floats, TEXT for strings")],
        returns: "one row per row of the array")

    static let npz = SQLDeclaration(
        "read_npz", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: [.required("files", ".npz archives (np.savez, np.savez_compressed): a path or glob"),
                     .optional("array", "only this member (a name in np.load(...).files)")],
        columns: [SQLColumn("array", "TEXT", "the array's name in the archive (np.load(...).files)"),
                  SQLColumn("i", "INTEGER", "row index (first axis)"),
                  SQLColumn("vector", "BLOB", "the row as a float32 vector (arrays of 2 or more dimensions)"),
                  SQLColumn("value", "", "the element (1-D arrays): INTEGER for integer dtypes, REAL for floats, TEXT for strings")],
        returns: "one row per row of each array")

    static let npySignature = npy.tableSignature
    static let npzSignature = npz.tableSignature

    let signature: TableFunctionSignature
    var isArchive: Bool { signature.name == "read_npz" }
    var indexColumn: Int32 { isArchive ? 1 : 0 }

    init(signature: TableFunctionSignature) { self.signature = signature }

    var declaration: String { signature.declaration }

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        guard let binding = try signature.bindParameters(info) else { return .unusable }
        var next = binding.nextArgumentIndex
        var ops: [String] = []
        for c in info.constraints where c.column == indexColumn && c.isUsable {
            let op: String
            switch c.op {
            case .eq: op = "="
            case .lt: op = "<"
            case .le: op = "<="
            case .gt: op = ">"
            case .ge: op = ">="
            default: continue
            }
            info.use(c, argumentIndex: next, omit: false)
            next += 1
            ops.append(op)
        }
        var tokens = ops.map { "i" + $0 + "?" }
        // `WHERE array = 'emb'` reads that member only, as the array argument does: the other members are
        // never opened (nor inflated). SQLite re-checks the constraint, so it stays exact.
        if isArchive, let c = info.constraints.first(where: { $0.column == 0 && $0.op == .eq && $0.isUsable }) {
            info.use(c, argumentIndex: next, omit: false)
            next += 1
            tokens.append("array=?")
        }
        info.indexNumber = binding.mask
        info.setIndexString(tokens.joined(separator: " AND "))
        info.estimatedCost = ops.contains("=") ? 10 : (ops.isEmpty ? 1_000_000 : 100_000)
        info.estimatedRows = ops.contains("=") ? 1 : 100_000
        if info.orderBy.count == 1, info.orderBy[0].column == indexColumn, !info.orderBy[0].descending, !isArchive {
            info.orderByConsumed = true
        }
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { NpyCursor(self) }
}

final class NpyCursor: VirtualTableCursor {
    let table: ReadNpyTable
    private var path = ""
    private var archive: NpzArchive?
    /// Archive member indexes still to read (for .npy: one pseudo-member).
    private var members: [Int] = []
    private var memberPosition = -1
    private var array: NpyArray?
    private var arrayName = ""
    private var row = 0
    private var endRow = 0
    private var lowest = 0
    private var highest = Int.max  // exclusive
    private var done = true
    private var rowCounter: Int64 = 0
    /// The shell's progress line for the array being read (rows of it), 0 when off.
    private var progress = 0
    private var progressStart = 0

    init(_ t: ReadNpyTable) { table = t }

    deinit { ScanProgress.end(progress) }

    private func fail(_ e: Error) -> SQLError {
        let m = sqlError(e).message
        return SQLError(m.hasPrefix("'") || m.hasPrefix("cannot") || m.hasPrefix("no files") ? m : "'\(path)': \(m)")
    }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let values = table.signature.parameterValues(mask: TablePlan(indexNumber: indexNumber, indexString: indexString).parameterMask, arguments: arguments)
        guard let p = values[0], p.type == .text else { throw SQLError("path must be a file path (text)") }
        let paths = try translatingErrors { try Glob.expand(p.text) }
        guard paths.count == 1 else { throw SQLError("'\(p.text)' matches \(paths.count) files; \(table.signature.name) reads one") }
        path = paths[0]
        // Bounds on i from the pushed-down constraints.
        lowest = 0
        highest = Int.max
        var arg = values.compactMap { $0 }.count
        // SQLite re-checks these constraints (omit is false), so bounds may be loose but never too tight.
        var onlyArray: String? = nil
        var noArray = false
        for op in (indexString ?? "").split(separator: " ").filter({ $0.hasPrefix("i") || $0.hasPrefix("array") }) {
            guard arg < arguments.count else { break }
            let a = arguments[arg]
            arg += 1
            if op == "array=?" {
                // A name that is not text (or NULL) matches no member's name.
                if a.type == .text { onlyArray = a.text } else { noArray = true }
                continue
            }
            guard a.type == .integer || a.type == .real else { continue }
            let d = a.type == .integer ? Double(a.int64) : a.double
            func bound(_ v: Double) -> Int {
                if v.isNaN { return 0 }
                if v >= 9.0e18 { return Int.max / 2 }
                if v <= -9.0e18 { return Int.min / 2 }
                return a.type == .integer ? Int(a.int64) : Int(v)
            }
            switch op {
            case "i=?": lowest = max(lowest, bound(d.rounded(.down))); highest = min(highest, bound(d.rounded(.up)) + 1)
            case "i<?": highest = min(highest, bound(d.rounded(.up)))
            case "i<=?": highest = min(highest, bound(d.rounded(.down)) + 1)
            case "i>?": lowest = max(lowest, bound(d.rounded(.down)) + 1)
            case "i>=?": lowest = max(lowest, bound(d.rounded(.up)))
            default: break
            }
        }
        lowest = max(lowest, 0)
        if table.isArchive {
            let a = try translatingErrorsNamed { try NpzArchive(path: path) }
            archive = a
            if let name = values[1], name.type != .null {
                guard let k = a.index(of: name.text) else {
                    throw SQLError("'\(path)' has no array '\(name.text)' (arrays: \(a.arrayNames.joined(separator: ", ")))")
                }
                members = [k]
            } else {
                members = Array(a.entries.indices)
            }
            if noArray { members = [] }
            if let only = onlyArray {
                members = members.filter { NpzArchive.arrayName(a.entries[$0].name) == only }
            }
        } else {
            archive = nil
            members = [0]
        }
        memberPosition = -1
        rowCounter = 0
        done = false
        try openNextArray()
    }

    private func translatingErrorsNamed<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch { throw fail(error) }
    }

    /// Moves to the next array that has rows in range.
    private func openNextArray() throws {
        while true {
            memberPosition += 1
            ScanProgress.end(progress)
            progress = 0
            guard memberPosition < members.count else {
                array = nil
                done = true
                return
            }
            let a: NpyArray
            if let archive {
                let k = members[memberPosition]
                arrayName = NpzArchive.arrayName(archive.entries[k].name)
                a = try translatingErrorsNamed { try archive.array(at: k) }
            } else {
                a = try translatingErrorsNamed { try NpyArray(path: path) }
            }
            array = a
            row = lowest
            endRow = min(highest, a.rowCount)
            if row < endRow {
                progressStart = row
                progress = ScanProgress.begin(archive == nil ? path : "\(path):\(arrayName)",
                                              total: Int64(endRow - row), unit: .rows)
                return
            }
        }
    }

    func next() throws {
        row += 1
        rowCounter += 1
        if rowCounter & 0x3FF == 0 { ScanProgress.advance(progress, to: Int64(row - progressStart)) }
        if row >= endRow { try openNextArray() }
    }

    var isAtEnd: Bool { done }

    func column(_ index: Int32, context: SQLContext) throws {
        guard let a = array else { return context.resultNull() }
        var c = Int(index)
        if table.isArchive {
            if c == 0 { return context.result(arrayName) }
            c -= 1
        }
        switch c {
        case 0:
            context.result(row)
        case 1:
            guard a.hasVectorRows else { return context.resultNull() }
            let r = row
            try translatingErrorsNamed {
                if let raw = try a.float32RowBytes(r) {
                    context.result(blob: raw)
                } else {
                    try context.resultBlob(count: a.rowWidth &* 4) { out in
                        guard let base = out.baseAddress else { return }
                        try a.readRow(r, into: base.bindMemory(to: Float.self, capacity: a.rowWidth))
                    }
                }
            }
        case 2:
            guard !a.hasVectorRows else { return context.resultNull() }
            let r = row
            switch try translatingErrorsNamed({ try a.value(r) }) {
            case .integer(let v): context.result(v)
            case .real(let v): context.result(v)
            case .text(let v): context.result(v)
            case .bytes(let v): context.result(blob: v)
            }
        default:
            context.resultNull()
        }
    }

    func rowid() throws -> Int64 { rowCounter }
}
