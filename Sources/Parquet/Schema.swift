// The schema tree rebuilt from the footer's flat, depth-first list of elements: each node knows its
// definition and repetition level (Dremel), leaves know their column index. Top-level fields become SQL
// columns; a field's leaves are the column chunks that must be read to produce it.

public final class SchemaNode {
    public let element: SchemaElement
    public internal(set) var children: [SchemaNode] = []
    /// Definition level reached when this node is present (counts optional and repeated ancestors, itself included).
    public let definitionLevel: Int
    /// Repetition level of this node (counts repeated ancestors, itself included).
    public let repetitionLevel: Int
    /// Column-chunk index, for leaves.
    public internal(set) var leafIndex: Int = -1
    /// The leaves under this node (a leaf: itself).
    public internal(set) var leaves: Range<Int> = 0..<0
    /// Dotted path from the root (the column's name in messages).
    public let path: [String]
    /// How the field is read (worked out once: it is asked for every row).
    public internal(set) var shape: FieldShape = .json

    init(element: SchemaElement, definitionLevel: Int, repetitionLevel: Int, path: [String]) {
        self.element = element
        self.definitionLevel = definitionLevel
        self.repetitionLevel = repetitionLevel
        self.path = path
    }

    public var name: String { element.name }
    public var isLeaf: Bool { element.type != nil && children.isEmpty }
    public var isRepeated: Bool { element.repetition == .repeated }
    public var isOptional: Bool { element.repetition == .optional }
}

public struct ParquetSchema {
    public let root: SchemaNode
    public let leaves: [SchemaNode]
    public var fields: [SchemaNode] { root.children }

    /// Deepest nesting accepted; levels are kept in bytes.
    static let maxDepth = 100

    init(_ elements: [SchemaElement]) throws {
        guard let first = elements.first else { throw DecodeError("the schema is empty") }
        let root = SchemaNode(element: first, definitionLevel: 0, repetitionLevel: 0, path: [])
        var leaves: [SchemaNode] = []
        var next = 1
        func build(_ parent: SchemaNode, childCount: Int, depth: Int) throws {
            guard depth <= ParquetSchema.maxDepth else { throw DecodeError("the schema nests deeper than \(ParquetSchema.maxDepth) levels") }
            guard childCount >= 0, childCount <= elements.count - next else {
                throw DecodeError("schema element '\(parent.name)' claims \(childCount) children; the schema has fewer elements")
            }
            for _ in 0..<childCount {
                // Checked per child too: the children before this one may have taken elements for their own children.
                guard next < elements.count else {
                    throw DecodeError("schema element '\(parent.name)' claims \(childCount) children; the schema has fewer elements")
                }
                let e = elements[next]
                next += 1
                let def = parent.definitionLevel + (e.repetition == .required ? 0 : 1)
                let rep = parent.repetitionLevel + (e.repetition == .repeated ? 1 : 0)
                let node = SchemaNode(element: e, definitionLevel: def, repetitionLevel: rep, path: parent.path + [e.name])
                let start = leaves.count
                if e.childCount > 0 || e.type == nil {
                    guard e.childCount > 0 else { throw DecodeError("group '\(e.name)' has no children") }
                    try build(node, childCount: e.childCount, depth: depth + 1)
                } else {
                    if e.type == .fixedLenByteArray, e.typeLength <= 0 || e.typeLength > 1 << 20 {
                        throw DecodeError("column '\(e.name)' is FIXED_LEN_BYTE_ARRAY of invalid length \(e.typeLength)")
                    }
                    node.leafIndex = leaves.count
                    leaves.append(node)
                }
                node.leaves = start..<leaves.count
                parent.children.append(node)
            }
        }
        try build(root, childCount: first.childCount, depth: 0)
        root.leaves = 0..<leaves.count
        for f in root.children { f.shape = f.computedShape }
        guard next == elements.count else { throw DecodeError("schema has \(elements.count - next) elements outside the tree") }
        self.root = root
        self.leaves = leaves
    }
}
