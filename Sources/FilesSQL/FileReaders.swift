// The SQL surface of the Files domain, registered in one place with its flags.
// (Scaffolding: the issue that owns this domain fills it in.)
import SQLiteKit

public enum FileReaders {
    public static func register(on db: Connection) throws {}
}
