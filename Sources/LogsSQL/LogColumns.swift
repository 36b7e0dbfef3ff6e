// The columns of read_log and log_file: the schema is the documentation (each column carries a comment).
import SQLiteKit

enum LogColumn: Int32 {
    case path = 0, line, ts, level, logger, pid, message, detail, raw, fields
}

enum LogSchema {
    static let columns = [
        "path TEXT -- the file the record came from, as the glob expanded it (files are read in name order)",
        "line INTEGER -- 1-based number of the record's first line in its file",
        "ts TEXT -- the record's own wall-clock time, 'YYYY-MM-DD HH:MM:SS.fff' (NULL when it has none)",
        "level TEXT -- DEBUG, INFO, WARNING, ERROR or CRITICAL (aliases and syslog severities mapped; unknown names as written)",
        "logger TEXT -- logger name: Python %(name)s, syslog program, JSON logger/name",
        "pid INTEGER -- process id when the format has one",
        "message TEXT -- the message on the record's first line",
        "detail TEXT -- the continuation lines (a traceback...), NULL when there are none",
        "raw TEXT -- the record's full text",
        "fields TEXT -- JSON object of every other field the format captured, NULL when none",
    ]

    /// read_log's arguments, as HIDDEN columns after the output columns.
    static let signature = TableFunctionSignature(
        name: "read_log", columns: columns,
        parameters: [.init("files"), .init("format", required: false), .init("datefmt", required: false)])

    /// log_file's declaration: the same columns, no arguments.
    static let fixedDeclaration: String = {
        TableFunctionSignature(name: "log_file", columns: columns, parameters: []).declaration
    }()
}
