// The SQL surface of the Cron domain, registered in one place with its flags.
// (Scaffolding: the issue that owns this domain fills it in.)
import SQLiteKit

public enum CronTables {
    public static func register(on db: Connection) throws {}
}
