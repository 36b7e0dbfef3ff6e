// The interactive shell's line input on libedit (BSD-licensed) through its readline-compatible API:
// line editing, history kept in ~/.strata_history, and tab completion of dot commands, keywords, table and
// column names and function names (names come from the session), and file names after .open/.read/.load and
// inside quoted strings (the session lists them, so a directory ends in `/` rather than a space).
import CLineEdit
import Glibc
import StrataCLIKit

final class LineEditor: LineReader {
    /// The editor completion callbacks read (libedit's callbacks carry no context pointer).
    nonisolated(unsafe) static var current: LineEditor?

    let session: Session
    private let historyPath: String?
    private var lastEntry = ""

    init(session: Session) {
        self.session = session
        if let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty {
            historyPath = home + "/.strata_history"
        } else {
            historyPath = nil
        }
        rl_readline_name = UnsafePointer(strdup("strata"))
        _ = rl_initialize()
        stifle_history(2_000)
        if let historyPath { _ = read_history(historyPath) }
        rl_attempted_completion_function = { text, start, _ in
            LineEditor.current?.completions(text, start: Int(start))
        }
        LineEditor.current = self
    }

    var isInteractive: Bool { true }

    /// A line typed after a Ctrl-C that readline did not see (it came before it was reading): returned on
    /// the next call, once the session has dropped what was typed before the Ctrl-C.
    private var pending: String?

    func read(prompt: String) -> LineInput {
        if let line = pending {
            pending = nil
            return .line(line)
        }
        Interruption.clear()
        let saved = Self.typeAheadMode()
        defer { if var saved { _ = tcsetattr(0, TCSADRAIN, &saved) } }
        errno = 0
        guard let line = readline(prompt) else {
            // A Ctrl-C makes readline return NULL with EINTR. The terminal's SIGINT goes to the whole process,
            // so its handler may run on another thread (OpenBLAS starts its workers before main) a moment
            // after readline returns: EINTR counts as the interrupt even before `pending` is set.
            if Interruption.pending > 0 || errno == EINTR {
                Interruption.clear()
                writeStderr("^C\n")
                return .interrupted
            }
            writeStderr("\n")
            return .end
        }
        defer { free(line) }
        if Interruption.pending > 0 {
            Interruption.clear()
            pending = String(cString: line)
            return .interrupted
        }
        return .line(String(cString: line))
    }

    /// Puts the terminal in character-at-a-time mode, without echo, before readline prints its prompt, and
    /// returns the settings to restore after it. libedit prints the prompt first and switches the terminal to
    /// raw mode only when it reads the first character: a Ctrl-D typed in between met the terminal in line mode,
    /// where it is an end-of-file mark that the switch to raw mode drops — the shell then sat at its prompt
    /// (CI: a test's Ctrl-D right after the prompt, on a loaded machine). Signals (Ctrl-C) stay on.
    static func typeAheadMode() -> termios? {
        var original = termios()
        guard isatty(0) == 1, tcgetattr(0, &original) == 0 else { return nil }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(0, TCSADRAIN, &raw) == 0 else { return nil }
        return original
    }

    func remember(_ entry: String) {
        let flat = entry.split(separator: "\n").joined(separator: " ")
        guard !flat.isEmpty, flat != lastEntry else { return }
        lastEntry = flat
        _ = add_history(flat)
        if let historyPath { _ = write_history(historyPath) }
    }

    private func writeStderr(_ s: String) {
        var b = Array(s.utf8)
        b.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// libedit's completion hook: a malloc'd, NULL-terminated array whose first entry is the common prefix,
    /// or nil to fall back to file-name completion.
    func completions(_ text: UnsafePointer<CChar>?, start: Int) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        let word = text.map { String(cString: $0) } ?? ""
        var before = ""
        if let buffer = rl_line_buffer {
            let bytes = Array(String(cString: buffer).utf8)
            before = String(decoding: bytes.prefix(max(0, min(start, bytes.count))), as: UTF8.self)
        }
        guard let candidates = session.complete(before: before, word: word) else { return nil }
        rl_attempted_completion_over = 1
        guard !candidates.isEmpty else { return nil }
        // A function's `(`, a table's `.`, a directory's `/` and a string's closing `'` take no space after them.
        if candidates.count == 1, candidates[0].hasSuffix("(") || candidates[0].hasSuffix(".")
            || candidates[0].hasSuffix("/") || candidates[0].hasSuffix("'") {
            rl_completion_append_character = 0
        } else {
            rl_completion_append_character = 0x20
        }
        let common = Self.commonPrefix(candidates)
        let count = candidates.count + 2
        guard let array = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * count)?
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: count) else { return nil }
        array[0] = strdup(common)
        for (i, c) in candidates.enumerated() { array[i + 1] = strdup(c) }
        array[count - 1] = nil
        return array
    }

    static func commonPrefix(_ items: [String]) -> String {
        guard var prefix = items.first.map({ Array($0) }) else { return "" }
        for item in items.dropFirst() {
            let a = Array(item)
            var n = 0
            while n < prefix.count, n < a.count, String(prefix[n]).lowercased() == String(a[n]).lowercased() { n += 1 }
            prefix = Array(prefix.prefix(n))
        }
        return String(prefix)
    }
}
