// One line of help for each SQL name Strata adds, for `.functions` and tab completion. The registered
// names themselves come from the database (pragma_function_list / pragma_module_list minus SQLite's own),
// so a name added by a domain shows up even before it gets a line here.

public enum FunctionHelp {
    public static let lines: [String: String] = [
        "strata_version": "strata_version() → Strata's version",
        // Vectors
        "vec_f32": "vec_f32(json_or_blob) → float32 vector BLOB",
        "vec_to_json": "vec_to_json(vector) → JSON array text",
        "vec_dims": "vec_dims(vector) → number of dimensions",
        "vec_norm": "vec_norm(vector) → Euclidean length",
        "vec_normalize": "vec_normalize(vector) → unit-length vector",
        "cosine_distance": "cosine_distance(a, b) → 1 − cosine similarity",
        "cosine_similarity": "cosine_similarity(a, b) → cosine of the angle between a and b",
        "l2_distance": "l2_distance(a, b) → Euclidean distance",
        "inner_product": "inner_product(a, b) → dot product",
        "vec_avg": "vec_avg(vector) → aggregate: element-wise mean (centroid)",
        "knn_match": "knn_match(corpus, query, k [, metric [, filter]]) → table: k nearest neighbours",
        // Logs
        "read_log": "read_log(path_or_glob [, format]) → table: one row per log record",
        "log_file": "CREATE VIRTUAL TABLE t USING log_file(glob [, format]) → a named log table",
        "log_formats": "log_formats(path) → table: detected log formats",
        // Cron
        "crontab": "crontab(path) → table: crontab entries with schedule and command",
        "cron_next": "cron_next(schedule, after) → next fire time (ISO text)",
        "cron_prev": "cron_prev(schedule, before) → previous fire time (ISO text)",
        "cron_schedule": "cron_schedule(schedule, start, end) → table: fire times in [start, end)",
        "cron_describe": "cron_describe(schedule) → the schedule in plain English",
        "cron_history": "cron_history(syslog_path_or_glob) → table: cron runs seen in syslog",
        "cron_runs": "cron_runs(crontab, history, start, end) → table: expected vs actual runs",
        // Files
        "read_jsonl": "read_jsonl(path_or_glob) → table: path, line, doc (JSON lines)",
        "jsonl": "CREATE VIRTUAL TABLE t USING jsonl(path) → a named JSON-lines table",
        "read_csv": "read_csv(path [, options]) → table: path, line, row (JSON object)",
        "csv_file": "CREATE VIRTUAL TABLE t USING csv_file(path [, options]) → typed CSV columns",
        "read_npy": "read_npy(path) → table: i, vector (float32 BLOB), value",
        "read_npz": "read_npz(path [, array]) → table: array, i, vector, value",
    ]
}
