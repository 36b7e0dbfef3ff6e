// What the process is attached to: which standard streams are terminals (box tables, progress and prompts
// only there; no colours, progress or prompts in cron) and how wide the terminal is.
import Glibc

public enum Terminal {
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }

    /// Columns of the terminal on `fd`, else $COLUMNS, else nil.
    public static func width(_ fd: Int32 = 1) -> Int? {
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let c = getenv("COLUMNS").map({ String(cString: $0) }), let n = Int(c), n > 0 { return n }
        return nil
    }
}
