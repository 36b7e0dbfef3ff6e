// The loadable extension's entry points. SQLite derives `sqlite3_strata_init` from the file name
// `libstrata.so`, so `.load ./libstrata` needs no second argument. `sqlite3_strata_safe_init` is the same
// minus everything that reads files, for hosts that run other people's SQL (Datasette:
// `--load-extension=libstrata.so:sqlite3_strata_safe_init`). This target carries `-static-stdlib` so the
// library needs no Swift runtime on the host; everything else lives in StrataExtension.
import CSQLite
import StrataExtension

@_cdecl("sqlite3_strata_init")
public func sqlite3_strata_init(_ db: OpaquePointer?,
                                _ pzErrMsg: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                _ api: UnsafePointer<sqlite3_api_routines>?) -> Int32 {
    Strata.initialize(db, pzErrMsg, api)
}

@_cdecl("sqlite3_strata_safe_init")
public func sqlite3_strata_safe_init(_ db: OpaquePointer?,
                                     _ pzErrMsg: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                     _ api: UnsafePointer<sqlite3_api_routines>?) -> Int32 {
    Strata.initialize(db, pzErrMsg, api, readsFiles: false)
}
