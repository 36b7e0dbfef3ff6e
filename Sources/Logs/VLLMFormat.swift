// vLLM's log lines: `%(levelname)s %(asctime)s [%(filename)s:%(lineno)d] %(message)s` with datefmt
// `%m-%d %H:%M:%S` (no year: the file's, see YearReference), as vllm/logger.py configures them; releases before
// 0.6 wrote `file.py:42]` without the opening bracket. Its NewLineFormatter writes a multi-line record (a
// traceback) as lines that each repeat the prefix, joined by `\r\n`, the record ending in `\n`: so a line that
// follows a `\r\n` continues its record even though it reads as a head.

public final class VLLMLineParser: LineParser {
    static let formats: [PythonFormat] = [
        "%(levelname)s %(asctime)s [%(filename)s:%(lineno)d] %(message)s",
        "%(levelname)s %(asctime)s %(filename)s:%(lineno)d] %(message)s",
    ].compactMap { try? PythonFormat($0, datefmt: "%m-%d %H:%M:%S") }
    private let parsers: [PythonLineParser]
    override public var fieldNames: [String] { ["filename", "lineno"] }
    override public var continuesAfterCRLF: Bool { true }

    public init(reference: YearReference) {
        parsers = Self.formats.map { PythonLineParser($0, reference: reference) }
    }

    override public func parseHead(_ line: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        for p in parsers where p.parseHead(line, into: &head) { return true }
        return false
    }
}
