// The one error of the Cron core: a message that says what was wrong with which input. The SQL binding puts
// the SQL-visible name in front (`cron_next: bad minute field '61' in '61 * * * *': 61 is out of range 0-59`).
import StrataCommon

public struct CronError: MessageError, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
