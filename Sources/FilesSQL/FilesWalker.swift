// The records of several files, one file after another in the order given: what read_jsonl/jsonl and
// read_csv/csv_file scan. The readers differ; opening the next file when one runs out does not.
import Files

/// A reader that steps through the records of one open file.
protocol RecordReading: AnyObject {
    /// Moves to the next record; false at the end of the file.
    func next() throws -> Bool
}

extension JSONDocumentReader: RecordReading {}
extension CSVReader: RecordReading {}

final class FilesWalker<Reader: RecordReading> {
    let paths: [String]
    /// Opens one file (and reads what comes before its first record, such as a CSV header).
    private let open: (String) throws -> Reader
    private var fileIndex = -1
    private(set) var reader: Reader?
    private(set) var isAtEnd = false
    /// 1, 2, … across all files.
    private(set) var rowid: Int64 = 0

    init(paths: [String], open: @escaping (String) throws -> Reader) {
        self.paths = paths
        self.open = open
    }

    /// Moves to the next record, opening the next file when one runs out.
    func advance() throws {
        while true {
            if let r = reader, try r.next() {
                rowid += 1
                return
            }
            fileIndex += 1
            guard fileIndex < paths.count else {
                reader = nil
                isAtEnd = true
                return
            }
            let path = paths[fileIndex]
            reader = try open(path)
        }
    }
}
