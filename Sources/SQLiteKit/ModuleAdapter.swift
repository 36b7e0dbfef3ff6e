// Turns a `VirtualTableModule` into an `sqlite3_module`: non-generic C trampolines that find the Swift table
// or cursor behind SQLite's pointers and catch every thrown error at the C boundary, where it becomes
// `zErrMsg` (allocated by SQLite's allocator) prefixed with the module's name.
import CSQLite
import StrataCommon

final class ModuleBox {
    let module: VirtualTableModule
    let cModule: UnsafeMutablePointer<sqlite3_module>

    init(module: VirtualTableModule, cModule: UnsafeMutablePointer<sqlite3_module>) {
        self.module = module
        self.cModule = cModule
    }

    deinit {
        cModule.deinitialize(count: 1)
        cModule.deallocate()
    }
}

final class TableBox {
    let table: VirtualTable
    let name: String
    /// The connection, for interruption checks in long calls (see `Interruption`).
    let db: OpaquePointer
    /// `schema.table` of a file-reading table created by this connection (forgotten when it is dropped).
    let trustedAs: FileTableTrust.Key?
    init(table: VirtualTable, name: String, db: OpaquePointer, trustedAs: FileTableTrust.Key? = nil) {
        self.table = table; self.name = name; self.db = db; self.trustedAs = trustedAs
    }
}

final class CursorBox {
    let cursor: VirtualTableCursor
    /// The table's connection, for the interruption scope of each xNext (kept here: one load per row).
    let db: OpaquePointer
    /// The cursor again when it hands out runs of identical rows (checked once, at open).
    let runs: RowRunCursor?
    /// The cursor again when it hands out batches (checked once, at open).
    let batches: RowBatchCursor?
    /// The columns of the batch handed out last (kept alive while C reads them).
    var batchColumns: BatchColumns?
    init(cursor: VirtualTableCursor, db: OpaquePointer) {
        self.cursor = cursor
        self.db = db
        self.runs = cursor as? RowRunCursor
        self.batches = cursor as? RowBatchCursor
    }

    /// Hands the cursor's batch, if it has one now, to the C record.
    @inline(__always)
    func installBatch(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?) {
        guard let batches, let cur else { return }
        guard let b = batches.takeRowBatch(), b.rows > 0 else { strata_batch_clear(cur); return }
        batchColumns = b.columns
        strata_batch_start(cur, b.rows, b.firstRow, b.firstRowid, b.columns.storage, Int32(b.columns.count))
    }

    /// Hands the cursor's run, if it has one now, to the C record.
    @inline(__always)
    func installRun(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?) {
        guard let runs, let cur, let run = runs.takeRowRun() else { return }
        if let t = run.text {
            t.utf8Start.withMemoryRebound(to: CChar.self, capacity: t.utf8CodeUnitCount) {
                strata_run_start(cur, run.rows, run.column, $0, Int32(t.utf8CodeUnitCount), run.firstRowid)
            }
        } else {
            strata_run_start(cur, run.rows, run.column, nil, 0, run.firstRowid)
        }
    }
}

extension Connection {
    /// Registers a virtual-table module. Its lifetime is the connection's.
    public func createModule(_ module: VirtualTableModule) throws {
        if module.readsFiles, !allowsFileReaders { return }
        let c = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        c.initialize(to: makeCModule(kind: module.kind, writable: module.writable))
        let box = Unmanaged.passRetained(ModuleBox(module: module, cModule: c)).toOpaque()
        let rc = strata_create_module_v2(handle, module.name, c, box) { p in
            if let p { Unmanaged<ModuleBox>.fromOpaque(p).release() }
        }
        // On failure SQLite has already invoked the destructor above.
        guard rc == SQLITE_OK else { throw SQLError("cannot register module \(module.name): \(errorMessage)", code: rc) }
    }
}

// MARK: - helpers

private func table(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?) -> TableBox? {
    guard let vtab else { return nil }
    let own = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: strata_vtab.self)
    guard let p = own.pointee.swiftTable else { return nil }
    return Unmanaged<TableBox>.fromOpaque(p).takeUnretainedValue()
}

private func cursor(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> CursorBox? {
    guard let cur else { return nil }
    let own = UnsafeMutableRawPointer(cur).assumingMemoryBound(to: strata_vtab_cursor.self)
    guard let p = own.pointee.swiftCursor else { return nil }
    return Unmanaged<CursorBox>.fromOpaque(p).takeUnretainedValue()
}

/// The per-row calls (xNext, xEof, xColumn, xRowid) borrow the cursor without reference counting: SQLite
/// keeps it alive between xOpen and xClose, and these run millions of times per scan.
@inline(__always)
private func withCursor<R>(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?,
                           _ body: (VirtualTableCursor) throws -> R) rethrows -> R? {
    guard let cur else { return nil }
    let own = UnsafeMutableRawPointer(cur).assumingMemoryBound(to: strata_vtab_cursor.self)
    guard let p = own.pointee.swiftCursor else { return nil }
    return try Unmanaged<CursorBox>.fromOpaque(p)._withUnsafeGuaranteedRef { try body($0.cursor) }
}

/// The same with the whole box (xNext needs the connection too).
@inline(__always)
private func withCursorBox<R>(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?,
                               _ body: (CursorBox) throws -> R) rethrows -> R? {
    guard let cur else { return nil }
    let own = UnsafeMutableRawPointer(cur).assumingMemoryBound(to: strata_vtab_cursor.self)
    guard let p = own.pointee.swiftCursor else { return nil }
    return try Unmanaged<CursorBox>.fromOpaque(p)._withUnsafeGuaranteedRef { try body($0) }
}

/// Stores an error message on the vtab, where SQLite picks it up after a failed call.
/// An error thrown after an interruption was seen on this thread is SQLite's own "interrupted", whatever text
/// the interrupted loop wrapped it in.
private func setError(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?, _ error: any Error, name: String) -> Int32 {
    // Also a statement of ours that SQLite itself stopped (knn_match reading its corpus table) before a rate-
    // limited probe of ours saw the interrupt.
    if Interruption.wasObserved || (error as? SQLError)?.code == SQLITE_INTERRUPT {
        if let vtab {
            if let old = vtab.pointee.zErrMsg { strata_free(old) }
            vtab.pointee.zErrMsg = strata_mprintf_text(Interruption.message)
        }
        return SQLITE_INTERRUPT
    }
    let e = SQLError.from(error)
    guard let vtab else { return e.code }
    if let old = vtab.pointee.zErrMsg { strata_free(old) }
    vtab.pointee.zErrMsg = strata_mprintf_text(e.prefixed(with: name))
    return e.code == SQLITE_OK ? SQLITE_ERROR : e.code
}

private func moduleArguments(_ argc: Int32, _ argv: UnsafePointer<UnsafePointer<CChar>?>?) -> ModuleArguments {
    var all: [String] = []
    if let argv {
        for i in 0..<max(0, Int(argc)) { all.append(argv[i].map { String(cString: $0) } ?? "") }
    }
    let raw = Array(all.dropFirst(3))
    return ModuleArguments(
        moduleName: all.first ?? "",
        schemaName: all.count > 1 ? all[1] : "main",
        tableName: all.count > 2 ? all[2] : "",
        arguments: raw.map(unquoteModuleArgument),
        rawArguments: raw)
}

/// `'a b'` → `a b`, `"x"` → `x` (doubled quotes inside become single); anything else trimmed as is.
public func unquoteModuleArgument(_ s: String) -> String {
    let t = s.trimmingWhitespace()
    guard t.count >= 2, let q = t.first, q == "'" || q == "\"", t.last == q else { return t }
    let inner = t.dropFirst().dropLast()
    return inner.replacingOccurrences(of: String([q, q]), with: String(q))
}

extension StringProtocol {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return String(self) }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }

    func range(of target: String) -> Range<Index>? {
        let t = Array(target.utf8)
        guard let first = t.first else { return nil }
        var i = startIndex
        while i < endIndex {
            if utf8[i] == first, self[i...].utf8.starts(with: t) {
                return i..<utf8.index(i, offsetBy: t.count)
            }
            i = utf8.index(after: i)
        }
        return nil
    }
}

// MARK: - the trampolines

private func connect(_ db: OpaquePointer?, _ aux: UnsafeMutableRawPointer?, _ argc: Int32,
                     _ argv: UnsafePointer<UnsafePointer<CChar>?>?,
                     _ ppVtab: UnsafeMutablePointer<UnsafeMutablePointer<sqlite3_vtab>?>?,
                     _ pzErr: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, isCreate: Bool) -> Int32 {
    guard let db, let aux, let ppVtab else { return SQLITE_MISUSE }
    let module = Unmanaged<ModuleBox>.fromOpaque(aux).takeUnretainedValue().module
    let connection = Connection(handle: db)
    // A creatable table may read its files here (jsonl and csv_file infer their columns): interruptible too.
    let scope = Interruption.enter(UnsafeMutableRawPointer(db))
    defer { Interruption.leave(scope) }
    do {
        var args = moduleArguments(argc, argv)
        args.isCreate = isCreate
        var trustKey: FileTableTrust.Key?
        if module.readsFiles, module.kind == .creatable || args.tableName != module.name {
            // Decided before the module sees its arguments: a refused table never expands or opens a path.
            // (An eponymous-only module can be named by a planted CREATE VIRTUAL TABLE too: xConnect runs.)
            trustKey = try FileTableTrust.admit(db: db, schema: args.schemaName, table: args.tableName, creating: isCreate)
        }
        let t = try module.connect(connection, args)
        if module.directOnly { _ = strata_vtab_config_directonly(db) }
        if module.innocuous { _ = strata_vtab_config_innocuous(db) }
        let rc = strata_declare_vtab(db, t.declaration)
        guard rc == SQLITE_OK else {
            throw SQLError("bad table declaration (\(connection.errorMessage)): \(t.declaration)", code: rc)
        }
        let vt = UnsafeMutablePointer<strata_vtab>.allocate(capacity: 1)
        vt.initialize(to: strata_vtab())
        vt.pointee.swiftTable = Unmanaged.passRetained(TableBox(table: t, name: module.name, db: db, trustedAs: trustKey)).toOpaque()
        ppVtab.pointee = UnsafeMutableRawPointer(vt).assumingMemoryBound(to: sqlite3_vtab.self)
        return SQLITE_OK
    } catch {
        // Also a statement of ours that SQLite stopped (knn_index reading its column) before we saw the interrupt.
        if Interruption.wasObserved || (error as? SQLError)?.code == SQLITE_INTERRUPT {
            pzErr?.pointee = strata_mprintf_text(Interruption.message)
            return SQLITE_INTERRUPT
        }
        let e = SQLError.from(error)
        pzErr?.pointee = strata_mprintf_text(e.prefixed(with: module.name))
        return e.code == SQLITE_OK ? SQLITE_ERROR : e.code
    }
}

private func disconnect(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?) -> Int32 {
    guard let vtab else { return SQLITE_OK }
    let own = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: strata_vtab.self)
    if let p = own.pointee.swiftTable {
        let box = Unmanaged<TableBox>.fromOpaque(p).takeRetainedValue()
        box.table.disconnect()
    }
    own.deinitialize(count: 1)
    own.deallocate()
    return SQLITE_OK
}

private func makeCModule(kind: VirtualTableModule.Kind, writable: Bool) -> sqlite3_module {
    var m = sqlite3_module()
    m.iVersion = 1
    switch kind {
    case .eponymousOnly:
        m.xCreate = nil  // null xCreate: eponymous-only, CREATE VIRTUAL TABLE is refused
    case .creatable:
        // A distinct xCreate function (not xConnect) keeps the module from also being eponymous.
        m.xCreate = { db, aux, argc, argv, pp, err in connect(db, aux, argc, argv, pp, err, isCreate: true) }
    }
    m.xConnect = { db, aux, argc, argv, pp, err in connect(db, aux, argc, argv, pp, err, isCreate: false) }
    m.xDisconnect = { disconnect($0) }
    m.xDestroy = { vtab in
        if let box = table(vtab) {
            do { try box.table.destroy() } catch { return setError(vtab, error, name: box.name) }
            if let key = box.trustedAs { FileTableTrust.forget(db: box.db, key) }
        }
        return disconnect(vtab)
    }
    if writable {
        m.xUpdate = { vtab, argc, argv, _ in
            guard let box = table(vtab) else { return SQLITE_ERROR }
            let scope = Interruption.enter(UnsafeMutableRawPointer(box.db))
            defer { Interruption.leave(scope) }
            do {
                try box.table.update(SQLArguments(count: argc, argv: argv))
                return SQLITE_OK
            } catch {
                return setError(vtab, error, name: box.name)
            }
        }
    }
    m.xBestIndex = { vtab, info in
        guard let box = table(vtab), let info else { return SQLITE_ERROR }
        do {
            switch try box.table.bestIndex(IndexInfo(raw: info)) {
            case .ok: return SQLITE_OK
            case .unusable: return SQLITE_CONSTRAINT
            }
        } catch let missing as MissingArgument {
            // A plan SQLite will not pick while any other exists; if it must, xFilter reports the message.
            let plan = IndexInfo(raw: info)
            plan.indexNumber = MissingArgument.indexNumber
            plan.setIndexString(missing.message)
            plan.estimatedCost = 1e300
            plan.estimatedRows = Int64(Int32.max)
            return SQLITE_OK
        } catch {
            return setError(vtab, error, name: box.name)
        }
    }
    m.xOpen = { vtab, ppCursor in
        guard let box = table(vtab), let ppCursor else { return SQLITE_ERROR }
        do {
            let c = try box.table.openCursor()
            let cur = UnsafeMutablePointer<strata_vtab_cursor>.allocate(capacity: 1)
            cur.initialize(to: strata_vtab_cursor())
            cur.pointee.swift_next = { cursorNext($0) }
            cur.pointee.swift_eof = { cursorEof($0) }
            cur.pointee.swift_column = { cursorColumn($0, $1, $2) }
            cur.pointee.swift_rowid = { cursorRowid($0, $1) }
            cur.pointee.swiftCursor = Unmanaged.passRetained(CursorBox(cursor: c, db: box.db)).toOpaque()
            ppCursor.pointee = UnsafeMutableRawPointer(cur).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        } catch {
            return setError(vtab, error, name: box.name)
        }
    }
    m.xClose = { cur in
        guard let cur else { return SQLITE_OK }
        let own = UnsafeMutableRawPointer(cur).assumingMemoryBound(to: strata_vtab_cursor.self)
        if let p = own.pointee.swiftCursor { Unmanaged<CursorBox>.fromOpaque(p).release() }
        own.deinitialize(count: 1)
        own.deallocate()
        return SQLITE_OK
    }
    m.xFilter = { cur, idxNum, idxStr, argc, argv in
        guard let c = cursor(cur), let box = table(cur?.pointee.pVtab) else { return SQLITE_ERROR }
        if let cur { strata_run_clear(cur); strata_batch_clear(cur) }
        let scope = Interruption.enter(UnsafeMutableRawPointer(box.db))
        defer { Interruption.leave(scope) }
        do {
            if idxNum == MissingArgument.indexNumber {
                throw SQLError(idxStr.map { String(cString: $0) } ?? "missing argument")
            }
            try c.cursor.filter(indexNumber: idxNum, indexString: idxStr.map { String(cString: $0) },
                                arguments: SQLArguments(count: argc, argv: argv))
            c.installRun(cur)
            c.installBatch(cur)
            return SQLITE_OK
        } catch {
            return setError(cur?.pointee.pVtab, error, name: table(cur?.pointee.pVtab)?.name ?? "")
        }
    }
    // Per-row callbacks: C first (runs and batches), the Swift functions below for the rest (see xOpen).
    m.xNext = strata_vtab_next
    m.xEof = strata_vtab_eof
    m.xColumn = strata_vtab_column
    m.xRowid = strata_vtab_rowid
    return m
}

// The Swift halves of the per-row callbacks: what strata_vtab_next ... (CSQLite/shim.c) leave to Swift, once
// they have answered the rows of a run or a batch themselves (SQLite's own loop checks for interruption there).
private func cursorNext(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Int32 {
    // Interruptible: one call may read far (a filter skipping millions of records). The scope costs two
    // thread-local stores and no reference counting (see Interruption.ThreadState).
    let rc: Int32? = withCursorBox(cur) { box in
        let scope = Interruption.enter(UnsafeMutableRawPointer(box.db))
        defer { Interruption.leave(scope) }
        do {
            try box.cursor.next()
            box.installRun(cur)
            box.installBatch(cur)
            return SQLITE_OK
        } catch {
            return setError(cur?.pointee.pVtab, error, name: table(cur?.pointee.pVtab)?.name ?? "")
        }
    }
    return rc ?? SQLITE_ERROR
}

private func cursorEof(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Int32 {
    withCursor(cur) { $0.isAtEnd ? 1 : 0 } ?? 1
}

private func cursorColumn(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?, _ ctx: OpaquePointer?, _ i: Int32) -> Int32 {
    guard let ctx else { return SQLITE_ERROR }
    if let cur, strata_batch_is_active(cur) != 0 {
        // A batch column C could not answer (one the cursor serves, or text that is not valid UTF-8).
        do {
            let offset = strata_batch_offset(cur)
            let done: Bool? = try withCursorBox(cur) { box in
                guard let b = box.batches else { return false }
                try b.column(i, batchOffset: offset, context: SQLContext(raw: ctx))
                return true
            }
            return done == true ? SQLITE_OK : SQLITE_ERROR
        } catch {
            return setError(cur.pointee.pVtab, error, name: table(cur.pointee.pVtab)?.name ?? "")
        }
    }
    do {
        guard try withCursor(cur, { try $0.column(i, context: SQLContext(raw: ctx)) }) != nil else { return SQLITE_ERROR }
        return SQLITE_OK
    } catch {
        return setError(cur?.pointee.pVtab, error, name: table(cur?.pointee.pVtab)?.name ?? "")
    }
}

private func cursorRowid(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?, _ out: UnsafeMutablePointer<sqlite3_int64>?) -> Int32 {
    guard let c = cursor(cur), let out else { return SQLITE_ERROR }
    do {
        out.pointee = try c.cursor.rowid()
        return SQLITE_OK
    } catch {
        return setError(cur?.pointee.pVtab, error, name: table(cur?.pointee.pVtab)?.name ?? "")
    }
}

