// The loadable extension's entry point. SQLite derives `sqlite3_strata_init` from the file name
// `libstrata.so`, so `.load ./libstrata` needs no second argument. This target carries `-static-stdlib`
// so the library needs no Swift runtime on the host; everything else lives in StrataExtension.
import CSQLite
import StrataExtension

@_cdecl("sqlite3_strata_init")
public func sqlite3_strata_init(_ db: OpaquePointer?,
                                _ pzErrMsg: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                _ api: UnsafePointer<sqlite3_api_routines>?) -> Int32 {
    Strata.initialize(db, pzErrMsg, api)
}
