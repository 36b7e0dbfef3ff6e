// Where a function or a virtual-table column puts its result (`sqlite3_context *`).
import CSQLite

public struct SQLContext {
    public let raw: OpaquePointer

    public init(raw: OpaquePointer) { self.raw = raw }

    /// The connection the call runs on.
    public var connection: Connection? {
        strata_context_db_handle(raw).map { Connection(handle: $0) }
    }

    public func resultNull() { strata_result_null(raw) }
    public func result(_ v: Int64) { strata_result_int64(raw, v) }
    public func result(_ v: Int) { strata_result_int64(raw, Int64(v)) }
    public func result(_ v: Bool) { strata_result_int64(raw, v ? 1 : 0) }
    public func result(_ v: Double) { strata_result_double(raw, v) }

    public func result(_ v: String) {
        var s = v
        s.withUTF8 { buf in
            guard buf.count <= Int(Int32.max) else { return strata_result_error_toobig(raw) }
            guard let p = buf.baseAddress, !buf.isEmpty else { return strata_result_text(raw, "", 0) }
            p.withMemoryRebound(to: CChar.self, capacity: buf.count) { strata_result_text(raw, $0, Int32(buf.count)) }
        }
    }

    /// A BLOB result, copied by SQLite.
    public func result(blob bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= Int(Int32.max) else { return strata_result_error_toobig(raw) }
        if bytes.isEmpty { return strata_result_zeroblob(raw, 0) }
        strata_result_blob(raw, bytes.baseAddress, Int32(bytes.count))
    }

    public func result(blob bytes: [UInt8]) {
        bytes.withUnsafeBytes { result(blob: $0) }
    }

    /// A BLOB of `count` bytes that `fill` writes in place: allocated by SQLite and handed over without a copy.
    public func resultBlob(count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        guard count > 0 else { return strata_result_zeroblob(raw, 0) }
        guard count <= Int(Int32.max), let p = strata_malloc64(UInt64(count)) else {
            return count > Int(Int32.max) ? strata_result_error_toobig(raw) : strata_result_error_nomem(raw)
        }
        do {
            try fill(UnsafeMutableRawBufferPointer(start: p, count: count))
        } catch {
            strata_free(p)
            throw error
        }
        strata_result_blob_owned(raw, p, Int32(count))
    }

    public func result(_ v: SQLValue) {
        switch v {
        case .null: resultNull()
        case .integer(let i): result(i)
        case .real(let d): result(d)
        case .text(let s): result(s)
        case .blob(let b): result(blob: b)
        }
    }

    /// Passes an argument through unchanged.
    public func result(_ argument: SQLArgument) { strata_result_value(raw, argument.raw) }

    public func resultError(_ message: String) {
        message.withCString { strata_result_error(raw, $0) }
    }

    public func resultError(_ error: SQLError, name: String) {
        switch error.code {
        case SQLITE_NOMEM: strata_result_error_nomem(raw)
        case SQLITE_TOOBIG: strata_result_error_toobig(raw)
        default:
            resultError(error.prefixed(with: name))
            if error.code != SQLITE_ERROR { strata_result_error_code(raw, error.code) }
        }
    }

    /// Per-statement cache for a constant argument (`sqlite3_get_auxdata`): parse a constant query vector once.
    public func auxiliaryObject(forArgument index: Int32) -> AnyObject? {
        guard let p = strata_get_auxdata(raw, index) else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(p).takeUnretainedValue()
    }

    public func setAuxiliaryObject(_ object: AnyObject, forArgument index: Int32) {
        let p = Unmanaged.passRetained(object).toOpaque()
        strata_set_auxdata(raw, index, p) { p in
            if let p { Unmanaged<AnyObject>.fromOpaque(p).release() }
        }
    }
}
