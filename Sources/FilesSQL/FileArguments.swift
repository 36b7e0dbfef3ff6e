// Shared pieces of the file readers' SQL side: turning core errors into SQL errors, a path or glob
// argument into file names, and the plain full-scan plan every reader uses.
import Files
import SQLiteKit
import StrataCommon

/// Any error of the core as an `SQLError` (the kit puts the SQL name in front).
func sqlError(_ error: Error) -> SQLError {
    switch error {
    case let e as SQLError: return e
    case let e as FilesError: return SQLError(e.message)
    case let e as FileError: return SQLError(e.message)
    default: return SQLError(String(describing: error))
    }
}

/// Runs `body`, translating core errors.
func translatingErrors<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch { throw sqlError(error) }
}

/// The files a text path-or-glob argument names, in name order.
func expandPaths(_ arg: SQLArgument?, parameter: String) throws -> [String] {
    guard let arg, arg.type == .text else {
        throw SQLError("\(parameter) must be a file path or glob (text)")
    }
    return try translatingErrors { try Glob.expand(arg.text) }
}

/// A full scan of the files: the only plan (the cost rises when required arguments are missing so the
/// planner prefers plans that supply them).
func fullScanPlan(_ info: IndexInfo, signature: TableFunctionSignature) throws -> PlanOutcome {
    guard let binding = try signature.bindParameters(info) else { return .unusable }
    info.indexNumber = binding.mask
    info.estimatedCost = 1_000_000
    info.estimatedRows = 100_000
    return .ok
}

/// read_jsonl and read_csv (and their creatable forms) declare the same shape: files, maybe options, and one
/// row per record with the record's file and line.
enum RecordReaderDeclaration {
    static func function(_ name: String, files: String, options: SQLParameter?, record: SQLColumn,
                         returns: String) -> SQLDeclaration {
        SQLDeclaration(
            name, kind: .tableFunction, safety: .directOnly, readsFiles: true,
            parameters: [.required("files", files + ": a path or glob (.gz read transparently)")] + (options.map { [$0] } ?? []),
            columns: [SQLColumn("path", "TEXT", "the file the record came from"),
                      SQLColumn("line", "INTEGER", "line where the record starts (1-based)"),
                      record],
            returns: returns)
    }

    static func table(_ name: String, files: String, options: String, returns: String) -> SQLDeclaration {
        SQLDeclaration(
            name, kind: .virtualTable, safety: .directOnly, readsFiles: true,
            parameters: [.required("files", files + ": a path or glob"), .optional("options", options)],
            returns: returns)
    }
}

/// A file table's CREATE TABLE: one column per inferred data column (no type for `any`), then the table's
/// own columns (`doc`, `path`, `line`), HIDDEN unless they are all there is to see.
func inferredSchema(_ data: [(name: String, type: ColumnType)], own: [(name: String, type: String, hidden: Bool)]) -> String {
    var defs = data.map { quotedIdentifier($0.name) + ($0.type == .any ? "" : " " + $0.type.rawValue) }
    defs += own.map { quotedIdentifier($0.name) + " " + $0.type + ($0.hidden ? " HIDDEN" : "") }
    return "CREATE TABLE x(" + defs.joined(separator: ", ") + ")"
}

/// The one plan of a file table without arguments: read every file.
func wholeFilesPlan(_ info: IndexInfo) -> PlanOutcome {
    info.estimatedCost = 1_000_000
    info.estimatedRows = 100_000
    return .ok
}
