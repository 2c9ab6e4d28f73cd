import CYaml

/// A YAML document as a tree of values, read by libyaml (the C parser PyYAML, cloud-init's,
/// uses too). Reading does no I/O: text in, tree out. Anchors and aliases are expanded, within
/// a budget, so that a few lines of aliases cannot make millions of nodes.
public indirect enum YAMLNode: Sendable, Equatable {
    /// The text, its tag (`tag:yaml.org,2002:binary` for `!!binary`) and whether it was written
    /// plain (unquoted): only a plain scalar can be a YAML 1.1 boolean.
    case scalar(String, tag: String, plain: Bool)
    case sequence([YAMLNode])
    case mapping([YAMLPair])

    public static let binaryTag = "tag:yaml.org,2002:binary"
}

public struct YAMLPair: Sendable, Equatable {
    public var key: String
    public var value: YAMLNode
}

public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// 1-based, 0 when unknown.
    public var line: Int
    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

public enum YAML {
    /// More nodes than a configuration has (aliases expanded): refused as a YAML bomb.
    public static let nodeBudget = 100_000
    public static let depthLimit = 64

    /// The first document of `text`; nil when there is none (an empty file, only comments).
    public static func parse(_ text: String) throws(YAMLError) -> YAMLNode? {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw YAMLError(message: "libyaml could not start", line: 0) }
        defer { yaml_parser_delete(&parser) }
        var document = yaml_document_t()
        let loaded = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return yaml_parser_load(&parser, &document)
        }
        guard loaded == 1 else {
            let problem = parser.problem.map { String(cString: $0) } ?? "not YAML"
            throw YAMLError(message: problem, line: Int(parser.problem_mark.line) + 1)
        }
        defer { yaml_document_delete(&document) }
        guard let root = yaml_document_get_root_node(&document) else { return nil }
        var budget = nodeBudget
        return try tree(root, in: &document, depth: 0, budget: &budget)
    }

    static func tree(
        _ node: UnsafeMutablePointer<yaml_node_t>, in document: inout yaml_document_t, depth: Int, budget: inout Int
    ) throws(YAMLError) -> YAMLNode {
        let line = Int(node.pointee.start_mark.line) + 1
        budget -= 1
        guard budget >= 0 else { throw YAMLError(message: "more than \(nodeBudget) values (aliases expanded)", line: line) }
        guard depth < depthLimit else { throw YAMLError(message: "nested deeper than \(depthLimit) levels", line: line) }
        let tag = node.pointee.tag.map { String(cString: $0) } ?? ""
        switch node.pointee.type {
        case YAML_SCALAR_NODE:
            let s = node.pointee.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            return .scalar(text, tag: tag, plain: s.style == YAML_PLAIN_SCALAR_STYLE)
        case YAML_SEQUENCE_NODE:
            var items: [YAMLNode] = []
            var item = node.pointee.data.sequence.items.start
            while let i = item, i != node.pointee.data.sequence.items.top {
                guard let child = yaml_document_get_node(&document, i.pointee) else { break }
                items.append(try tree(child, in: &document, depth: depth + 1, budget: &budget))
                item = i + 1
            }
            return .sequence(items)
        case YAML_MAPPING_NODE:
            var pairs: [YAMLPair] = []
            var pair = node.pointee.data.mapping.pairs.start
            while let p = pair, p != node.pointee.data.mapping.pairs.top {
                guard let k = yaml_document_get_node(&document, p.pointee.key),
                    let v = yaml_document_get_node(&document, p.pointee.value)
                else { break }
                guard case .scalar(let key, _, _) = try tree(k, in: &document, depth: depth + 1, budget: &budget) else {
                    throw YAMLError(message: "a key that is not text", line: Int(k.pointee.start_mark.line) + 1)
                }
                guard !pairs.contains(where: { $0.key == key }) else {
                    throw YAMLError(message: "the key '\(key)' is given twice", line: Int(k.pointee.start_mark.line) + 1)
                }
                pairs.append(YAMLPair(key: key, value: try tree(v, in: &document, depth: depth + 1, budget: &budget)))
                pair = p + 1
            }
            return .mapping(pairs)
        default:
            return .scalar("", tag: tag, plain: true)
        }
    }
}

extension YAMLNode {
    /// A scalar's text; nil for a sequence or a mapping.
    public var text: String? {
        if case .scalar(let s, _, _) = self { return s }
        return nil
    }

    /// A YAML 1.1 boolean, as PyYAML reads one (`true`, `yes`, `on`, `false`, `no`, `off`, any
    /// case); a quoted "true" is text, not a boolean.
    public var bool: Bool? {
        guard case .scalar(let s, _, let plain) = self, plain else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on", "y": return true
        case "false", "no", "off", "n": return false
        default: return nil
        }
    }

    /// A plain `null`, `~` or nothing.
    public var isNull: Bool {
        guard case .scalar(let s, _, let plain) = self, plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s)
    }

    public var pairs: [YAMLPair]? {
        if case .mapping(let p) = self { return p }
        return nil
    }

    public subscript(key: String) -> YAMLNode? { pairs?.first { $0.key == key }?.value }
}
