// A scan of read_log/log_file: turns the plan's arguments into a `LogFilter`, runs a `LogScanner`, and builds
// only the columns SQLite asks for, from byte spans of the current record (text is checked for UTF-8 and
// repaired when invalid; JSON strings are unescaped; CRLF line ends are dropped).
import Glibc
import Logs
import SQLiteKit
import StrataCommon

final class LogCursor: RowRunCursor {
    let table: LogTable
    private var scanner: LogScanner?
    @exclusivity(unchecked) private var atEnd = true
    @exclusivity(unchecked) private var scratch: [UInt8] = []
    @exclusivity(unchecked) private var tsBuffer = [UInt8](repeating: 0, count: LogTime.textLength)

    /// The shell's progress line: bytes read of the files' total (0 when off). `fileStarts[i]` is where file i
    /// begins in that total.
    private var progress = 0
    private var fileStarts: [Int64] = []
    @exclusivity(unchecked) private var recordsSinceProgress = 0

    init(table: LogTable) { self.table = table }

    deinit { ScanProgress.end(progress) }

    /// Sizes of the files as they are now; the total is unknown (0) when any is compressed, since offsets then
    /// count uncompressed bytes.
    private func beginProgress(_ label: String, _ files: [String]) {
        ScanProgress.end(progress)
        progress = 0
        guard ScanProgress.isEnabled else { return }
        var starts: [Int64] = []
        var total: Int64 = 0
        var known = true
        for f in files {
            starts.append(total)
            var st = stat()
            if f.hasSuffix(".gz") || stat(f, &st) != 0 { known = false } else { total &+= Int64(st.st_size) }
        }
        fileStarts = starts
        progress = ScanProgress.begin(label, total: known ? total : 0, unit: .bytes)
    }

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        scanner = nil
        atEnd = true
        let source: LogSource
        let plan = TablePlan(indexNumber: indexNumber, indexString: indexString)
        let args = TableArguments(LogSchema.readLog, plan: plan, arguments: arguments)
        switch table.source {
        case .fixed(let s):
            source = s
        case .arguments:
            source = try LogSource(files: try args.requiredText("files"), format: try args.text("format"),
                                   datefmt: try args.text("datefmt"), tz: try args.text("tz"))
        }
        var filter = LogFilter()
        for (code, v) in zip(plan.pushdowns, args.pushed) {
            guard let p = LogTable.Pushdown(rawValue: code) else { continue }
            switch p {
            case .tsEq, .tsGt, .tsGe, .tsLt, .tsLe, .tsUTCEq, .tsUTCGt, .tsUTCGe, .tsUTCLt, .tsUTCLe:
                if v.isNull { filter.isEmpty = true; continue }
                // A number compared with TEXT ts is left to SQLite (no bound here: conservative).
                guard v.type == .text, let (op, utc) = p.timeBound else { continue }
                if utc {
                    filter.timeBounds += TimeBound.localBounds(forUTC: op, v.text)
                } else {
                    filter.timeBounds.append(TimeBound(op, v.text))
                }
            case .levelEq:
                if v.isNull { filter.isEmpty = true; continue }
                filter.levels.append([v.text])
            case .levelIn:
                guard let list = v.inListValues() else { continue }
                filter.levels.append(list.compactMap { $0 == .null ? nil : $0.description })
            case .pathEq:
                if v.isNull { filter.isEmpty = true; continue }
                filter.paths.append([v.text])
            }
        }
        let files = try source.paths()
        let s = LogScanner(files: files, spec: source.spec, filter: filter)
        s.zone = source.zone
        scanner = s
        beginProgress(source.files, files)
        if indexNumber & (LogTable.countAscendingFlag | LogTable.countDescendingFlag) != 0 {
            let counts = try s.countLevels()
            groups = counts.groups(descending: indexNumber & LogTable.countDescendingFlag != 0).map { g in
                // Checked once here, not per row.
                (g.text.map { t in t.withUnsafeBufferPointer { p in isValidUTF8(p) ? t : Array(repairedText(p).utf8) } }, g.count)
            }
            // The five names as static text: no copy and no reference counting per row.
            groupNames = groups.map { g -> StaticString? in
                guard let t = g.text else { return nil }
                for level in LogLevel.allCases {
                    if let n = level.name, t.elementsEqual(UnsafeBufferPointer(start: n.utf8Start, count: n.utf8CodeUnitCount)) { return n }
                }
                return nil
            }
            group = 0
            left = groups.first?.count ?? 0
            groupText = groups.first?.text
            groupName = groupNames.first ?? nil
            syntheticRow = 0
            runSkipped = 0
            grouped = true
            atEnd = groups.isEmpty
            if !atEnd { startGroupRun() }
            return
        }
        grouped = false
        try advance()
    }

    /// Grouped mode: the level groups still to hand out, and how many rows of the current one are left.
    @exclusivity(unchecked) private var grouped = false
    private var groups: [(text: [UInt8]?, count: Int)] = []
    @exclusivity(unchecked) private var group = 0
    @exclusivity(unchecked) private var left = 0
    @exclusivity(unchecked) private var syntheticRow: Int64 = 0
    @exclusivity(unchecked) private var groupText: [UInt8]? = nil
    private var groupNames: [StaticString?] = []
    @exclusivity(unchecked) private var groupName: StaticString? = nil

    /// Rows of the current group handed out as a run by the module's C callbacks, not by `advance`.
    @exclusivity(unchecked) private var runSkipped = 0
    private var runPending: RowRun?

    /// The rest of the current group as one run of identical rows (level a static name, or NULL), which SQLite
    /// then reads without calling us; a level outside the five names is handed out row by row.
    private func startGroupRun() {
        guard left > 1, groupName != nil || groupText == nil else { return }
        runPending = RowRun(rows: Int64(left), column: LogColumn.level.rawValue, text: groupName,
                            firstRowid: syntheticRow)
        runSkipped = left - 1
        left = 1
    }

    func takeRowRun() -> RowRun? {
        defer { runPending = nil }
        return runPending
    }

    private func advance() throws {
        if grouped {
            syntheticRow &+= 1 &+ Int64(runSkipped)
            runSkipped = 0
            left -= 1
            guard left <= 0 else { return }
            while left <= 0 {
                group += 1
                guard group < groups.count else { atEnd = true; return }
                left = groups[group].count
                groupText = groups[group].text
                groupName = group < groupNames.count ? groupNames[group] : nil
            }
            startGroupRun()
            return
        }
        guard let s = scanner else { atEnd = true; return }
        do {
            atEnd = try !s.next()
            if progress != 0 {
                recordsSinceProgress &+= 1
                if recordsSinceProgress >= 4096 || atEnd {
                    recordsSinceProgress = 0
                    reportProgress(s)
                }
            }
        } catch let e as FileError {
            throw SQLError(e.message)
        } catch let e as LogScanError {
            throw SQLError(e.message)
        }
    }

    func next() throws { try advance() }

    private func reportProgress(_ s: LogScanner) {
        if atEnd { ScanProgress.end(progress); progress = 0; return }
        guard s.fileIndex >= 0, s.fileIndex < fileStarts.count, let r = s.reader else { return }
        ScanProgress.advance(progress, to: fileStarts[s.fileIndex] &+ r.recordOffset)
    }

    var isAtEnd: Bool { atEnd }

    func rowid() throws -> Int64 {
        if grouped { return syntheticRow }
        guard let s = scanner, let r = s.reader else { return 0 }
        return Int64(s.fileIndex) << 44 | (r.recordOffset & ((1 << 44) - 1))
    }

    func column(_ index: Int32, context ctx: SQLContext) throws {
        if grouped {
            guard index == LogColumn.level.rawValue else { return ctx.resultNull() }
            if let n = groupName { return ctx.result(static: n) }
            guard let t = groupText else { return ctx.resultNull() }
            return t.withUnsafeBufferPointer { ctx.result(utf8: $0) }
        }
        guard let s = scanner, let r = s.reader, let col = LogColumn(rawValue: index) else { return ctx.resultNull() }
        let head = r.current
        switch col {
        case .path:
            ctx.result(s.path)
        case .line:
            do { ctx.result(try s.lineNumber()) } catch let e as FileError { throw SQLError(e.message) }
        case .ts:
            guard !r.isHeadless, head.pointee.hasTime else { return ctx.resultNull() }
            tsBuffer.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                head.pointee.time.write(to: base)
                ctx.result(utf8: UnsafeBufferPointer(p))
            }
        case .tsUTC:
            guard !r.isHeadless, head.pointee.hasTime else { return ctx.resultNull() }
            let t = head.pointee.time
            guard let u = t.hasOffset ? t.utc(offsetSeconds: Int64(t.utcOffsetMinutes) * 60) : s.zoneUTC else {
                return ctx.resultNull()
            }
            tsBuffer.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                u.write(to: base)
                ctx.result(utf8: UnsafeBufferPointer(p))
            }
        case .level:
            guard !r.isHeadless else { return ctx.resultNull() }
            if let name = head.pointee.level.name { return ctx.result(static: name) }
            guard head.pointee.level == .other else { return ctx.resultNull() }
            resultSpan(s, r, head.pointee.levelText, head.pointee.levelKind, ctx)
        case .logger:
            guard !r.isHeadless else { return ctx.resultNull() }
            resultSpan(s, r, head.pointee.logger, head.pointee.loggerKind, ctx)
        case .pid:
            guard !r.isHeadless, head.pointee.hasPid else { return ctx.resultNull() }
            ctx.result(head.pointee.pid)
        case .message:
            guard !r.isHeadless else { return ctx.resultNull() }
            resultSpan(s, r, head.pointee.message, head.pointee.messageKind, ctx)
        case .detail:
            if r.isHeadless { return resultText(r.record, ctx, display: true) }
            guard r.lineCount > 1 else { return ctx.resultNull() }
            // The first line ends with "\n" or "\r\n" right after firstLineLength.
            var start = r.firstLineLength
            if start < r.record.count, r.record[start] == 0x0D { start += 1 }
            start += 1
            guard start <= r.record.count else { return ctx.resultNull() }
            resultText(UnsafeBufferPointer(rebasing: r.record[start...]), ctx, display: true)
        case .raw:
            resultText(r.record, ctx, display: false)
        case .excType, .excMessage, .excChain:
            let chain = exceptions(s, r)
            guard let last = chain.last else { return ctx.resultNull() }
            switch col {
            case .excType: ctx.result(last.type)
            case .excMessage: ctx.result(last.message)
            default:
                scratch.removeAll(keepingCapacity: true)
                scratch.append(0x5B)
                for (i, e) in chain.enumerated() {
                    if i > 0 { scratch.append(0x2C) }
                    e.appendJSON(to: &scratch)
                }
                scratch.append(0x5D)
                scratch.withUnsafeBufferPointer { resultChecked($0, ctx) }
            }
        case .problem:
            guard let p = r.problem else { return ctx.resultNull() }
            ctx.result(p)
        case .fields:
            guard !r.isHeadless, !head.pointee.extras.isEmpty else { return ctx.resultNull() }
            buildFields(s, r)
            scratch.withUnsafeBufferPointer { resultChecked($0, ctx) }
        }
    }

    // MARK: - values

    /// The exceptions of the current record's traceback, parsed once per record (three columns read them).
    private var exceptionsRow: Int64 = -1
    private var exceptionsFile = -1
    private var exceptionsCache: [ParsedException] = []

    private func exceptions(_ s: LogScanner, _ r: RecordReader) -> [ParsedException] {
        if exceptionsRow == r.recordOffset, exceptionsFile == s.fileIndex { return exceptionsCache }
        exceptionsRow = r.recordOffset
        exceptionsFile = s.fileIndex
        exceptionsCache = []
        // A one-line record has no traceback, unless it is the line of a headless record.
        guard r.lineCount > 1 || r.isHeadless else { return [] }
        var prefix: UnsafeBufferPointer<UInt8>? = nil
        if !r.isHeadless, r.parser?.continuesAfterCRLF == true || r.parser?.continuesRepeatedPrefix == true,
           r.current.pointee.alternate == nil {
            let m = r.current.pointee.message
            if m.isPresent, Int(m.start) <= r.firstLineLength { prefix = UnsafeBufferPointer(rebasing: r.record[0..<Int(m.start)]) }
        }
        exceptionsCache = TracebackParser.parse(r.record, linePrefix: prefix)
        return exceptionsCache
    }

    private func resultSpan(_ s: LogScanner, _ r: RecordReader, _ span: Span, _ kind: ValueKind, _ ctx: SQLContext) {
        guard span.isPresent else { return ctx.resultNull() }
        s.withHeadBytes(r) { b in
            guard Int(span.end) <= b.count else { return ctx.resultNull() }
            let v = UnsafeBufferPointer(rebasing: b[Int(span.start)..<Int(span.end)])
            if kind == .jsonString, v.contains(0x5C) {
                scratch.removeAll(keepingCapacity: true)
                JSON.unescape(v, into: &scratch)
                scratch.withUnsafeBufferPointer { resultChecked($0, ctx) }
            } else if HeadFinder.hasEscape(v) {
                // Colour escapes inside a message that otherwise read as it stood.
                HeadFinder.stripEscapes(v).withUnsafeBufferPointer { resultChecked($0, ctx) }
            } else {
                resultChecked(v, ctx)
            }
        }
    }

    /// Multi-line text: CRLF line ends become LF and NUL bytes are dropped. `display` (detail): each line as a
    /// terminal shows it — what a `\r` overwrote (progress bars) and colour escapes left out.
    private func resultText(_ b: UnsafeBufferPointer<UInt8>, _ ctx: SQLContext, display: Bool) {
        guard HeadFinder.hasControl(b) else { return resultChecked(b, ctx) }
        scratch.removeAll(keepingCapacity: true)
        var lineStart = 0
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == 0x0D {
                if i + 1 < b.count, b[i + 1] == 0x0A { i += 1; continue }
                // A lone `\r`: a terminal goes back to the line's start.
                if display { scratch.removeSubrange(lineStart...) } else { scratch.append(c) }
            } else if c == 0x0A {
                scratch.append(c)
                lineStart = scratch.count
            } else if c != 0 {
                scratch.append(c)
            }
            i += 1
        }
        if display, scratch.contains(0x1B) {
            let clean = scratch.withUnsafeBufferPointer { HeadFinder.stripEscapes($0) }
            return clean.withUnsafeBufferPointer { resultChecked($0, ctx) }
        }
        scratch.withUnsafeBufferPointer { resultChecked($0, ctx) }
    }

    /// Valid UTF-8 goes through as is; anything else is repaired with U+FFFD.
    private func resultChecked(_ b: UnsafeBufferPointer<UInt8>, _ ctx: SQLContext) {
        if isValidUTF8(b) { ctx.result(utf8: b) } else { ctx.result(repairedText(b)) }
    }

    /// `{"name": value, ...}` from the head's extra fields, into `scratch`.
    private func buildFields(_ s: LogScanner, _ r: RecordReader) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(0x7B)
        let names = r.parser?.fieldNames ?? []
        s.withHeadBytes(r) { b in
            for (k, f) in r.current.pointee.extras.enumerated() {
                if k > 0 { scratch.append(0x2C) }
                switch f.name {
                case .fixed(let i):
                    let n = i >= 0 && i < names.count ? names[i] : "field\(i)"
                    var t = n
                    t.withUTF8 { JSON.appendQuoted($0, into: &scratch) }
                case .key(let span):
                    scratch.append(0x22)
                    if span.isPresent, Int(span.end) <= b.count { scratch.append(contentsOf: b[Int(span.start)..<Int(span.end)]) }
                    scratch.append(0x22)
                }
                scratch.append(0x3A)
                if f.kind == .integer {
                    scratch.append(contentsOf: String(f.integer).utf8)
                    continue
                }
                guard f.value.isPresent, Int(f.value.end) <= b.count else {
                    scratch.append(contentsOf: "null".utf8)
                    continue
                }
                let v = UnsafeBufferPointer(rebasing: b[Int(f.value.start)..<Int(f.value.end)])
                switch f.kind {
                case .text: JSON.appendQuoted(v, into: &scratch)
                case .jsonValue: scratch.append(contentsOf: v)
                case .jsonString:
                    scratch.append(0x22); scratch.append(contentsOf: v); scratch.append(0x22)
                case .number: appendNumber(v)
                case .integer: break
                }
            }
        }
        scratch.append(0x7D)
    }

    /// A number the format matched, as a JSON number (leading zeros dropped) or, failing that, a string.
    private func appendNumber(_ v: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: v, as: UTF8.self)
        if let i = Int64(text) { scratch.append(contentsOf: String(i).utf8); return }
        if let d = Double(text), d.isFinite {
            var t = text
            while t.hasPrefix("0"), t.count > 1, !t.hasPrefix("0.") { t.removeFirst() }
            if t.hasPrefix("-0"), t.count > 2, !t.hasPrefix("-0.") { t = "-" + t.dropFirst(2) }
            scratch.append(contentsOf: t.utf8)
            return
        }
        JSON.appendQuoted(v, into: &scratch)
    }
}
