// `strata`: SQLite with every Strata function loaded — the interactive shell, batch runs and reports.
// Everything but opening databases and the terminal's line editor lives in StrataCLIKit.
import Glibc
import StrataCLIKit

let environment = Environment(host: HostDatabase(), makeLineEditor: { LineEditor(session: $0) })
exit(App.main(Array(CommandLine.arguments.dropFirst()), environment: environment))
