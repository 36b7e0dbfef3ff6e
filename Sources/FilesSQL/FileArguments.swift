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
