// The SQL surface of the Logs domain, registered in one place with its flags. Everything here reads files
// named in its arguments, so every module is DIRECTONLY: a view or trigger in an untrusted database cannot
// use it to read files.
//   read_log(files [, format [, datefmt [, tz]]])   eponymous table-valued function: one row per log record
//   log_file(files [, format [, datefmt [, tz]]])    CREATE VIRTUAL TABLE app USING log_file(...): the same, named
//   log_formats(files [, format [, datefmt [, tz]]]) what `auto` (or the given format) chose for each file
import Logs
import SQLiteKit
import StrataCommon

public enum LogTables {
    public static func register(on db: Connection) throws {
        try db.register(logShape) { ctx, args in
            // Messages grouped by shape for error digests: numbers, ids and quoted values become placeholders.
            guard !args[0].isNull else { return ctx.resultNull() }
            ctx.result(MessageShape.of(args[0].text))
        }
        try db.register(LogSchema.readLog) { _, _ in LogTable(source: .arguments, name: "read_log") }
        try db.register(LogSchema.logFile) { _, args in
            try LogTable(source: .fixed(LogSource(moduleArguments: args.arguments)), name: "log_file")
        }
        try db.register(LogFormatsTable.sql) { _, _ in LogFormatsTable() }
    }

    static let logShape = SQLDeclaration(
        "log_shape", kind: .scalar, safety: .pure,
        parameters: [.required("message", "a log message")],
        returns: "the message with numbers, ids and quoted values as placeholders (for grouping errors)")
}

/// Where a table's files and format come from: its `CREATE VIRTUAL TABLE` arguments, or each query's arguments.
struct LogSource {
    var files: String
    var format: String?
    var datefmt: String?
    /// Compiled once for a fixed source.
    var spec: LogFormatSpec
    /// The `tz` argument's zone, for ts_utc of times written without an offset.
    var zone: TimeZoneInfo?

    init(files: String, format: String?, datefmt: String?, tz: String? = nil) throws {
        guard !files.isEmpty else { throw SQLError("empty path") }
        self.files = files
        self.format = format
        self.datefmt = datefmt
        do { spec = try LogFormatSpec.parse(format, datefmt: datefmt) } catch { throw SQLError(error.message) }
        if let tz {
            do { zone = try TimeZoneInfo.named(tz) } catch { throw SQLError(error.message) }
        }
    }

    /// The files, in name order.
    func paths() throws -> [String] {
        do { return try Glob.expand(files) } catch { throw SQLError(error.message) }
    }

    init(moduleArguments a: [String]) throws {
        guard (1...4).contains(a.count) else {
            throw SQLError("usage: CREATE VIRTUAL TABLE name USING log_file('path or glob' [, 'format' [, 'datefmt' [, 'tz']]])")
        }
        try self.init(files: a[0], format: a.count > 1 && !a[1].isEmpty ? a[1] : nil,
                      datefmt: a.count > 2 && !a[2].isEmpty ? a[2] : nil, tz: a.count > 3 && !a[3].isEmpty ? a[3] : nil)
    }
}
