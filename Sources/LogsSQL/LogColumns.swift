// The columns of read_log and log_file: the schema is the documentation (each column carries a comment).
import SQLiteKit

enum LogColumn: Int32 {
    case path = 0, line, ts, level, logger, pid, message, detail, raw, fields, excType, excMessage, excChain, problem, tsUTC
}

enum LogSchema {
    static let columns = [
        SQLColumn("path", "TEXT", "the file the record came from, as the glob expanded it (files are read in name order)"),
        SQLColumn("line", "INTEGER", "1-based number of the record's first line in its file"),
        SQLColumn("ts", "TEXT", "the record's own wall-clock time, 'YYYY-MM-DD HH:MM:SS.fff' (NULL when it has none)"),
        SQLColumn("level", "TEXT", "DEBUG, INFO, WARNING, ERROR or CRITICAL (aliases and syslog severities mapped; unknown names as written)"),
        SQLColumn("logger", "TEXT", "logger name: Python %(name)s, syslog program, JSON logger/name"),
        SQLColumn("pid", "INTEGER", "process id when the format has one"),
        SQLColumn("message", "TEXT", "the message on the record's first line"),
        SQLColumn("detail", "TEXT", "the continuation lines (a traceback...), NULL when there are none"),
        SQLColumn("raw", "TEXT", "the record's full text"),
        SQLColumn("fields", "TEXT", "JSON object of every other field the format captured, NULL when none"),
        SQLColumn("exc_type", "TEXT", "type of the exception the record's traceback ends with (the last of a chain), such as ValueError; NULL without a traceback"),
        SQLColumn("exc_message", "TEXT", "its message as printed (all its lines; empty when it has none)"),
        SQLColumn("exc_chain", "TEXT", "JSON array of every exception of the traceback in the order printed: type, message, relation (cause or context) and an exception group's exceptions"),
        SQLColumn("problem", "TEXT", "what is wrong with the file, on a row of its own (a truncated .gz after its complete records, a file that is not text), NULL on every record"),
        SQLColumn("ts_utc", "TEXT", "the record's time in UTC, 'YYYY-MM-DD HH:MM:SS.fff', when its offset is known: written in the line (+01:00, Z, epoch numbers) or from the tz argument; NULL otherwise"),
    ]

    static let parameters: [SQLParameter] = [
        .required("files", "log files: a path or glob (.gz read transparently; a pipe such as /dev/stdin is read as a stream)"),
        .optional("format", "auto (default), a Python logging format, syslog/rfc3164/rsyslog/rfc5424, jsonl, glog, structlog, rich, combined, dpkg, vllm, lines, or regex:<pattern>"),
        .optional("datefmt", "strftime format of %(asctime)s, as given to logging.Formatter"),
        .optional("tz", "IANA time zone (America/New_York) of times written without an offset, for ts_utc; a repeated hour after a fall-back is told apart by the records before it"),
    ]

    static let readLog = SQLDeclaration(
        "read_log", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: parameters, columns: columns, returns: "one row per log record")

    /// log_file: the same columns; its arguments are fixed at CREATE VIRTUAL TABLE.
    static let logFile = SQLDeclaration(
        "log_file", kind: .virtualTable, safety: .directOnly, readsFiles: true,
        parameters: parameters, columns: columns, returns: "a named log table over fixed files")

    static let fixedDeclaration: String = {
        TableFunctionSignature(name: "log_file", columns: readLog.tableSignature.columns, parameters: []).declaration
    }()
}
