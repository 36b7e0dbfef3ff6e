// A top-level field of one row group, ready to be read row by row: its leaves' decoded chunks with the
// index from a row to its values (flat columns: a value index or null per row; nested ones: where each row's
// levels and values start). Nested fields (lists, maps, structs) are assembled into JSON text from their
// definition and repetition levels (Dremel record assembly); a list of FLOAT becomes a float32 vector.
import StrataCommon

public final class LeafColumn {
    public let node: SchemaNode
    public let kind: LeafKind
    public let data: ColumnChunkData
    /// Flat leaves: the value index of each row, -1 for NULL; nil when row i is value i.
    public let rowValue: [Int32]?
    /// Nested leaves (and leaves under a struct): the first level of each row (rows + 1 entries); nil when row i is level i.
    let rowStarts: [Int]?
    /// The value index at each row's first level (rows + 1 entries); nil when no level is NULL.
    let valueStarts: [Int]?

    init(node: SchemaNode, data: ColumnChunkData, rows: Int, flat: Bool) throws {
        self.node = node
        kind = LeafKind(node.element)
        self.data = data
        let defs = data.definitionLevels
        let top = UInt8(data.maxDefinition)
        if data.maxRepetition == 0 {
            guard data.levelCount == rows else {
                throw DecodeError("holds \(data.levelCount) values for \(rows) rows")
            }
            rowStarts = nil
            if defs.isEmpty, data.valueCount != rows {
                throw DecodeError("holds \(data.valueCount) values for \(rows) rows of a required column")
            }
            if data.valueCount == data.levelCount || defs.isEmpty {
                rowValue = nil
                valueStarts = nil
            } else if flat {
                var map = [Int32](repeating: -1, count: rows)
                var k: Int32 = 0
                for r in 0..<rows where defs[r] == top { map[r] = k; k += 1 }
                rowValue = map
                valueStarts = nil
            } else {
                var starts = [Int](repeating: 0, count: rows + 1)
                var k = 0
                for r in 0..<rows { starts[r] = k; if defs[r] == top { k += 1 } }
                starts[rows] = k
                rowValue = nil
                valueStarts = starts
            }
        } else {
            let reps = data.repetitionLevels
            var starts: [Int] = []
            var values: [Int] = []
            starts.reserveCapacity(rows + 1)
            values.reserveCapacity(rows + 1)
            var k = 0
            let n = data.levelCount
            guard reps.count == n, defs.isEmpty || defs.count == n else { throw DecodeError("levels of unequal length") }
            // One pass over every level (a vector column has one per float): pointers, no bounds checks.
            reps.withUnsafeBufferPointer { rp in
                defs.withUnsafeBufferPointer { dp in
                    guard let r = rp.baseAddress else { return }
                    if let d = dp.baseAddress {
                        for l in 0..<n {
                            if r[l] == 0 { starts.append(l); values.append(k) }
                            if d[l] == top { k += 1 }
                        }
                    } else {
                        for l in 0..<n where r[l] == 0 { starts.append(l); values.append(l) }
                        k = n
                    }
                }
            }
            guard starts.count == rows else { throw DecodeError("holds \(starts.count) rows, the row group \(rows)") }
            starts.append(data.levelCount)
            values.append(k)
            rowStarts = starts
            valueStarts = values
            rowValue = nil
        }
    }

    /// The SQL-ready value of row `row` of a flat leaf.
    @inline(__always)
    public func valueIndex(row: Int) -> Int {
        if let m = rowValue { return Int(m[row]) }
        return row
    }

    func levelStart(_ row: Int) -> Int { rowStarts?[row] ?? row }
    func valueStart(_ row: Int) -> Int { valueStarts?[row] ?? row }
}

/// How a top-level field is read.
public enum FieldShape: Equatable {
    /// One leaf, not repeated: a plain value.
    case primitive
    /// A list of FLOAT (LIST annotated, legacy two-level, or a bare repeated float): a float32 vector BLOB.
    case vector
    /// Anything nested: JSON text.
    case json
}

extension SchemaNode {
    var computedShape: FieldShape {
        if isLeaf && !isRepeated { return .primitive }
        guard leaves.count == 1 else { return .json }
        // The one leaf, at repetition level 1 and of type FLOAT with no logical type: a vector.
        var n = self
        var depth = 0
        while let c = n.children.first, depth < 3 { n = c; depth += 1 }
        if n.isLeaf, n.element.type == .float, n.element.logical == .none, n.repetitionLevel == 1 {
            if isRepeated && isLeaf { return .vector }
            if element.logical == .list { return .vector }
        }
        return .json
    }

    public var sqlType: String {
        switch shape {
        case .primitive: return LeafKind(element).sqlType
        case .vector: return "BLOB"
        case .json: return "TEXT"
        }
    }
}

/// One top-level field of one row group.
public final class FieldColumns {
    public let field: SchemaNode
    public let leaves: [LeafColumn]
    public let rows: Int
    /// Assembly cursors (nested fields), by leaf position in `leaves`.
    private var levelAt: [Int]
    private var valueAt: [Int]
    private let firstLeaf: Int

    init(field: SchemaNode, leaves: [LeafColumn], rows: Int) {
        self.field = field
        self.leaves = leaves
        self.rows = rows
        levelAt = Array(repeating: 0, count: leaves.count)
        valueAt = Array(repeating: 0, count: leaves.count)
        firstLeaf = field.leaves.lowerBound
    }

    /// Row `row` of a vector field: nil for a NULL list, else the floats (an empty list gives none).
    public func withVector<R>(row: Int, _ body: (UnsafeBufferPointer<Float>?) throws -> R) throws -> R {
        let leaf = leaves[0]
        let d = leaf.data
        let start = leaf.levelStart(row), end = leaf.levelStart(row + 1)
        let v0 = leaf.valueStart(row), v1 = leaf.valueStart(row + 1)
        if v1 - v0 == end - start {
            return try d.floats.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[v0..<v1])) }
        }
        // Some level is not a value: a NULL or empty list (one level without a value), or a NULL element (refused).
        if end - start == 1, v1 == v0 {
            let def = d.definitionLevels.isEmpty ? d.maxDefinition : Int(d.definitionLevels[start])
            let repeated = repeatedAncestor()
            if def < repeated.definitionLevel {
                let isNull = field.isOptional && def < field.definitionLevel
                return try body(isNull ? nil : UnsafeBufferPointer(start: nil, count: 0))
            }
        }
        throw DecodeError("column \(field.name): row \(row) of its row group has a NULL element in its list (a vector cannot hold NULL)")
    }

    private func repeatedAncestor() -> SchemaNode {
        var n = field
        while !n.isRepeated, let c = n.children.first { n = c }
        return n
    }

    /// Row `row` of a nested field as JSON text; false (nothing written) when the field is NULL in that row.
    @discardableResult
    public func json(row: Int, into out: inout [UInt8]) throws -> Bool {
        for (k, l) in leaves.enumerated() {
            levelAt[k] = l.levelStart(row)
            valueAt[k] = l.valueStart(row)
        }
        if !field.isRepeated, field.isOptional, try def(field) < field.definitionLevel { return false }
        if field.isRepeated {
            // A bare repeated field (no LIST annotation): a list of its instances.
            out.append(UInt8(ascii: "["))
            try writeRepeated(field, into: &out) { out in try writeInstance(field, asElement: true, into: &out) }
            out.append(UInt8(ascii: "]"))
        } else {
            try writeInstance(field, into: &out)
        }
        return true
    }

    // MARK: Record assembly

    private func def(_ node: SchemaNode) throws -> Int {
        let k = node.leaves.lowerBound - firstLeaf
        let d = leaves[k].data
        if d.definitionLevels.isEmpty { return d.maxDefinition }
        guard levelAt[k] < d.definitionLevels.count else { throw misaligned() }
        return Int(d.definitionLevels[levelAt[k]])
    }

    /// Leaves of one field whose levels disagree (one has more elements in a row than another): a corrupt
    /// file whose assembly would read past a leaf's levels or values.
    private func misaligned() -> DecodeError {
        DecodeError("column \(field.name): its column chunks disagree on how its values nest (corrupt file)")
    }

    private func rep(_ node: SchemaNode) -> Int? {
        let k = node.leaves.lowerBound - firstLeaf
        let d = leaves[k].data
        let l = levelAt[k]
        guard l < d.levelCount else { return nil }
        return d.repetitionLevels.isEmpty ? 0 : Int(d.repetitionLevels[l])
    }

    /// Consumes the one level every leaf under `node` has for a NULL or empty instance.
    private func skip(_ node: SchemaNode) {
        for leaf in node.leaves {
            let k = leaf - firstLeaf
            levelAt[k] += 1
        }
    }

    /// One instance of `node` (its repetition already handled by the caller).
    private func writeInstance(_ node: SchemaNode, into out: inout [UInt8]) throws {
        if node.isLeaf {
            let k = node.leafIndex - firstLeaf
            let leaf = leaves[k]
            let d = leaf.data
            guard levelAt[k] < d.levelCount else { throw misaligned() }
            let present = d.definitionLevels.isEmpty || Int(d.definitionLevels[levelAt[k]]) == d.maxDefinition
            levelAt[k] += 1
            if !present { return out.append(contentsOf: "null".utf8) }
            let v = valueAt[k]
            guard v < d.valueCount else { throw misaligned() }
            valueAt[k] += 1
            return try writeJSON(try leaf.kind.value(d, v), into: &out)
        }
        if node.isOptional, try def(node) < node.definitionLevel {
            skip(node)
            return out.append(contentsOf: "null".utf8)
        }
        switch node.element.logical {
        case .list where node.children.count == 1 && node.children[0].isRepeated:
            let r = node.children[0]
            let unwrap = !r.isLeaf && r.children.count == 1 && r.name != "array" && r.name != node.name + "_tuple"
            out.append(UInt8(ascii: "["))
            try writeRepeated(r, into: &out) { out in
                if unwrap { try writeInstance(r.children[0], into: &out) } else { try writeInstance(r, asElement: true, into: &out) }
            }
            out.append(UInt8(ascii: "]"))
        case .map where node.children.count == 1 && node.children[0].isRepeated && node.children[0].children.count == 2:
            let kv = node.children[0]
            out.append(UInt8(ascii: "{"))
            var key: [UInt8] = []
            try writeRepeated(kv, into: &out) { out in
                key.removeAll(keepingCapacity: true)
                try writeInstance(kv.children[0], into: &key)
                if key.first == UInt8(ascii: "\"") { out.append(contentsOf: key) } else { JSONString.appendQuoted(String(decoding: key, as: UTF8.self), to: &out) }
                out.append(UInt8(ascii: ":"))
                try writeInstance(kv.children[1], into: &out)
            }
            out.append(UInt8(ascii: "}"))
        default:
            try writeStruct(node, into: &out)
        }
    }

    /// A repeated group or leaf seen as one element.
    private func writeInstance(_ node: SchemaNode, asElement: Bool, into out: inout [UInt8]) throws {
        if node.isLeaf { return try writeInstance(node, into: &out) }
        try writeStruct(node, into: &out)
    }

    private func writeStruct(_ node: SchemaNode, into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        for (i, c) in node.children.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.appendQuoted(c.name, to: &out)
            out.append(UInt8(ascii: ":"))
            if c.isRepeated {
                out.append(UInt8(ascii: "["))
                try writeRepeated(c, into: &out) { out in try writeInstance(c, asElement: true, into: &out) }
                out.append(UInt8(ascii: "]"))
            } else {
                try writeInstance(c, into: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The elements of repeated node `r` at the current position, comma-separated, each written by `element`.
    private func writeRepeated(_ r: SchemaNode, into out: inout [UInt8], _ element: (inout [UInt8]) throws -> Void) throws {
        if try def(r) < r.definitionLevel {
            skip(r)  // an empty (or NULL, handled by the caller) list: one level per leaf
            return
        }
        var first = true
        while true {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            try element(&out)
            guard let next = rep(r), next == r.repetitionLevel else { return }
        }
    }

    private func writeJSON(_ v: LeafValue, into out: inout [UInt8]) throws { appendJSON(v, to: &out) }
}

/// A value as JSON: numbers as numbers (non-finite ones as strings), text quoted, bytes as base64 strings.
public func appendJSON(_ v: LeafValue, to out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .real(let d):
            if d.isFinite { out.append(contentsOf: jsonNumber(d).utf8) } else { JSONString.appendQuoted(String(d), to: &out) }
        case .text(let s): JSONString.appendQuoted(s, to: &out)
        case .blob(let b): JSONString.appendQuoted(base64(b), to: &out)
        }
}

/// A double as JSON: integral values keep a `.0` (as Python's json does).
func jsonNumber(_ d: Double) -> String {
    let s = String(d)
    return s
}

func base64(_ b: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((b.count + 2) / 3 * 4)
    var i = 0
    while i + 3 <= b.count {
        let v = Int(b[i]) << 16 | Int(b[i + 1]) << 8 | Int(b[i + 2])
        out += [table[v >> 18 & 63], table[v >> 12 & 63], table[v >> 6 & 63], table[v & 63]]
        i += 3
    }
    let rest = b.count - i
    if rest == 1 {
        let v = Int(b[i]) << 16
        out += [table[v >> 18 & 63], table[v >> 12 & 63], UInt8(ascii: "="), UInt8(ascii: "=")]
    } else if rest == 2 {
        let v = Int(b[i]) << 16 | Int(b[i + 1]) << 8
        out += [table[v >> 18 & 63], table[v >> 12 & 63], table[v >> 6 & 63], UInt8(ascii: "=")]
    }
    return String(decoding: out, as: UTF8.self)
}

extension ParquetFile {
    /// Reads the leaves of top-level field `field` in row group `group`.
    public func readField(group: Int, field: Int) throws -> FieldColumns {
        let node = schema.fields[field]
        let rows = rowCount(ofGroup: group)
        var leaves: [LeafColumn] = []
        for leaf in node.leaves {
            let data = try readColumn(group: group, leaf: leaf)
            do {
                leaves.append(try LeafColumn(node: schema.leaves[leaf], data: data, rows: rows, flat: node.shape == .primitive))
            } catch let e as DecodeError {
                throw ParquetLocation(path: path, rowGroup: group, column: schema.leaves[leaf].path.joined(separator: ".")).error(e.reason)
            }
        }
        return FieldColumns(field: node, leaves: leaves, rows: rows)
    }
}
