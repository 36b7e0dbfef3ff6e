// Scalar and aggregate SQL functions as Swift closures. The box holding a closure is retained by SQLite
// (`pApp`) and released in its destroy callback; a Swift `throw` becomes `sqlite3_result_error` with the
// function's name in front. Nothing here may trap: every failure path ends in an SQL error.
import CSQLite

/// Flags of a function, beside its name at registration: they decide where SQLite lets it run.
public struct FunctionFlags: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Same inputs, same output: usable in indexes, generated columns, CHECK constraints.
    public static let deterministic = FunctionFlags(rawValue: SQLITE_DETERMINISTIC)
    /// No side effects and no information leaks: usable from views and triggers with `trusted_schema=OFF`.
    public static let innocuous = FunctionFlags(rawValue: SQLITE_INNOCUOUS)
    /// Reads files or tables named in arguments: may only run from top-level SQL, never from schema.
    public static let directOnly = FunctionFlags(rawValue: SQLITE_DIRECTONLY)

    /// The flags of a pure computation.
    public static let pure: FunctionFlags = [.deterministic, .innocuous]
}

/// The body of a scalar function: read `arguments`, set a result on `context`, or throw.
public typealias ScalarFunction = (_ context: SQLContext, _ arguments: SQLArguments) throws -> Void

/// The state of one aggregate group. A fresh instance serves each group.
public protocol AggregateFunction: AnyObject {
    init()
    func step(_ arguments: SQLArguments) throws
    /// Sets the group's result. Called once, also for an empty group.
    func finish(_ context: SQLContext) throws
}

final class ScalarBox {
    let name: String
    let body: ScalarFunction
    /// Runs when SQLite drops the function (its connection closes): per-connection state goes with it.
    let onRelease: (() -> Void)?
    init(name: String, body: @escaping ScalarFunction, onRelease: (() -> Void)? = nil) {
        self.name = name; self.body = body; self.onRelease = onRelease
    }
    deinit { onRelease?() }
}

final class AggregateBox {
    let name: String
    let make: () -> AggregateFunction
    init(name: String, make: @escaping () -> AggregateFunction) { self.name = name; self.make = make }
}

private func releaseBox(_ p: UnsafeMutableRawPointer?) {
    if let p { Unmanaged<AnyObject>.fromOpaque(p).release() }
}

extension Connection {
    /// Registers a scalar function. `argumentCount` -1 accepts any number.
    public func createFunction(_ name: String, argumentCount: Int32, flags: FunctionFlags,
                               _ body: @escaping ScalarFunction, onRelease: (() -> Void)? = nil) throws {
        let box = Unmanaged.passRetained(ScalarBox(name: name, body: body, onRelease: onRelease) as AnyObject).toOpaque()
        let rc = strata_create_function_v2(
            handle, name, argumentCount, SQLITE_UTF8 | flags.rawValue, box,
            { ctx, argc, argv in
                guard let ctx, let p = strata_user_data(ctx) else { return }
                let box = Unmanaged<ScalarBox>.fromOpaque(p).takeUnretainedValue()
                let context = SQLContext(raw: ctx)
                do {
                    try box.body(context, SQLArguments(count: argc, argv: argv))
                } catch {
                    context.resultError(SQLError.from(error), name: box.name)
                }
            },
            nil, nil, releaseBox)
        // On failure SQLite has already called the destroy callback for `box`.
        guard rc == SQLITE_OK else { throw SQLError("cannot register function \(name): \(errorMessage)", code: rc) }
    }

    /// Registers an aggregate function whose per-group state is an `AggregateFunction`.
    public func createAggregate<State: AggregateFunction>(_ name: String, argumentCount: Int32, flags: FunctionFlags,
                                                          state: State.Type) throws {
        let box = Unmanaged.passRetained(AggregateBox(name: name, make: { State() }) as AnyObject).toOpaque()
        let rc = strata_create_function_v2(
            handle, name, argumentCount, SQLITE_UTF8 | flags.rawValue, box, nil,
            { ctx, argc, argv in
                guard let ctx, let p = strata_user_data(ctx) else { return }
                let box = Unmanaged<AggregateBox>.fromOpaque(p).takeUnretainedValue()
                let context = SQLContext(raw: ctx)
                guard let state = aggregateState(ctx, box: box, create: true) else {
                    return strata_result_error_nomem(ctx)
                }
                do {
                    try state.step(SQLArguments(count: argc, argv: argv))
                } catch {
                    context.resultError(SQLError.from(error), name: box.name)
                }
            },
            { ctx in
                guard let ctx, let p = strata_user_data(ctx) else { return }
                let box = Unmanaged<AggregateBox>.fromOpaque(p).takeUnretainedValue()
                let context = SQLContext(raw: ctx)
                // No step ran (empty group): finish a fresh state so the empty result is defined in one place.
                let state = takeAggregateState(ctx) ?? box.make()
                do {
                    try state.finish(context)
                } catch {
                    context.resultError(SQLError.from(error), name: box.name)
                }
            },
            releaseBox)
        guard rc == SQLITE_OK else { throw SQLError("cannot register function \(name): \(errorMessage)", code: rc) }
    }
}

/// The state stored in SQLite's per-group aggregate memory: one retained object pointer.
private func aggregateState(_ ctx: OpaquePointer, box: AggregateBox, create: Bool) -> AggregateFunction? {
    let size = Int32(MemoryLayout<UnsafeMutableRawPointer?>.size)
    guard let slot = strata_aggregate_context(ctx, create ? size : 0) else { return nil }
    let cell = slot.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    if let existing = cell.pointee {
        return Unmanaged<AnyObject>.fromOpaque(existing).takeUnretainedValue() as? AggregateFunction
    }
    guard create else { return nil }
    let state = box.make()
    cell.pointee = Unmanaged.passRetained(state as AnyObject).toOpaque()
    return state
}

/// Takes ownership of the group's state back from SQLite's memory (called once, in xFinal).
private func takeAggregateState(_ ctx: OpaquePointer) -> AggregateFunction? {
    guard let slot = strata_aggregate_context(ctx, 0) else { return nil }
    let cell = slot.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    guard let p = cell.pointee else { return nil }
    cell.pointee = nil
    return Unmanaged<AnyObject>.fromOpaque(p).takeRetainedValue() as? AggregateFunction
}
