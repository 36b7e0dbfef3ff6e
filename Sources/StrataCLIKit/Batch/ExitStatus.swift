// The exit statuses of `strata`, documented in docs/cli.md, so a cron wrapper can tell a failed query
// from a bad command line, an overrun from a skipped run.

public enum ExitStatus: Int32 {
    /// Every statement succeeded (and --output, if given, was written).
    case success = 0
    /// A statement failed, or a database, report or output file could not be opened or written.
    case failure = 1
    /// The command line was wrong: an unknown option, a bad value, a missing or unknown report parameter.
    case usage = 2
    /// Another run holds the --lock file (EX_TEMPFAIL: try again later); nothing was run.
    case locked = 75
    /// --timeout expired and the running statement was interrupted (as timeout(1) exits), or abandoned when it
    /// did not stop within StopWatchdog's grace.
    case timedOut = 124
    /// Interrupted by SIGINT (Ctrl-C) in a batch run: 128 + 2.
    case interrupted = 130
    /// Stopped by SIGTERM: 128 + 15.
    case terminated = 143
}
