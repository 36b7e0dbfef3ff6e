// The SQL surface of the Logs domain, registered in one place with its flags.
// (Scaffolding: the issue that owns this domain fills it in.)
import SQLiteKit

public enum LogTables {
    public static func register(on db: Connection) throws {}
}
