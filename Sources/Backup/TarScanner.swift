/// A tar stream read as it passes by, in pieces of any size: each member's header, the data of
/// its regular files, and where the archive's end blocks begin. It understands what GNU tar
/// writes in POSIX (pax) format and its own long-name headers; a header whose checksum is wrong
/// or that is not ustar is damage, said with its offset.
public struct TarScanner: Sendable {
    public static let blockSize = 512

    public struct Member: Equatable, Sendable {
        public var path: String
        public var type: UInt8
        public var size: UInt64

        /// Regular files: the members whose data is their content.
        public var isFile: Bool { type == 0x30 || type == 0 || type == 0x37 }
    }

    public enum Event: Equatable, Sendable {
        case member(Member)
        case data(ArraySlice<UInt8>)
        /// The member's data (if any) is complete.
        case memberEnd
    }

    /// What the bytes being read belong to.
    enum Body: Sendable {
        case member
        /// A pax extended header or a GNU long name: collected, applied to the next header.
        case extended(UInt8)
        case skipped
    }

    enum State: Sendable {
        case header
        case body(Body, remaining: UInt64, padding: Int)
        case ended
    }

    /// Stream offset of the first end-of-archive block, once read.
    public private(set) var end: UInt64?
    /// Bytes fed so far.
    public private(set) var offset: UInt64 = 0
    private var state = State.header
    private var block: [UInt8] = []
    private var extended: [UInt8] = []
    private var pendingPath: String?
    private var pendingSize: UInt64?

    /// Longest extended header kept (a path is at most a few KiB).
    static let extendedLimit = 1 << 20

    public init() {}

    public var ended: Bool { end != nil }

    /// Reads `bytes`, telling `handle` what they hold. Bytes after the end blocks are ignored.
    public mutating func feed(_ bytes: ArraySlice<UInt8>, _ handle: (Event) throws -> Void) throws {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            switch state {
            case .ended:
                offset += UInt64(bytes.endIndex - i)
                return
            case .header:
                let take = min(Self.blockSize - block.count, bytes.endIndex - i)
                block += bytes[i..<(i + take)]
                i += take
                offset += UInt64(take)
                if block.count == Self.blockSize {
                    try header(handle)
                    block.removeAll(keepingCapacity: true)
                }
            case .body(let body, let remaining, let padding):
                if remaining > 0 {
                    let take = Int(min(remaining, UInt64(bytes.endIndex - i)))
                    let piece = bytes[i..<(i + take)]
                    switch body {
                    case .member: try handle(.data(piece))
                    case .extended:
                        guard extended.count + take <= Self.extendedLimit else {
                            throw BackupError.damaged("an extended tar header over \(Self.extendedLimit) bytes at byte \(offset)")
                        }
                        extended += piece
                    case .skipped: break
                    }
                    i += take
                    offset += UInt64(take)
                    state = .body(body, remaining: remaining - UInt64(take), padding: padding)
                    if remaining - UInt64(take) == 0 && padding == 0 { try finish(body, handle) }
                } else {
                    let take = min(padding, bytes.endIndex - i)
                    i += take
                    offset += UInt64(take)
                    state = .body(body, remaining: 0, padding: padding - take)
                    if padding - take == 0 { try finish(body, handle) }
                }
            }
        }
    }

    private mutating func finish(_ body: Body, _ handle: (Event) throws -> Void) throws {
        state = .header
        switch body {
        case .member: try handle(.memberEnd)
        case .extended(let type):
            if type == UInt8(ascii: "x") {
                let fields = try Self.paxRecords(extended)
                if let p = fields["path"] { pendingPath = p }
                if let s = fields["size"] {
                    guard let n = UInt64(s) else { throw BackupError.damaged("a pax size '\(s)' before byte \(offset)") }
                    pendingSize = n
                }
            } else {
                pendingPath = String(decoding: extended.prefix { $0 != 0 }, as: UTF8.self)
            }
            extended.removeAll()
        case .skipped: break
        }
    }

    private mutating func header(_ handle: (Event) throws -> Void) throws {
        let at = offset - UInt64(Self.blockSize)
        if block.allSatisfy({ $0 == 0 }) {
            end = at
            state = .ended
            return
        }
        guard let stored = Self.octal(block[148..<156]), stored == Self.checksum(block) else {
            throw BackupError.damaged("the tar header at byte \(at) fails its checksum")
        }
        guard block[257..<262].elementsEqual("ustar".utf8) else {
            throw BackupError.damaged("the header at byte \(at) is not a ustar header")
        }
        guard let fieldSize = Self.number(block[124..<136]) else {
            throw BackupError.damaged("the header at byte \(at) has no readable size")
        }
        let size = pendingSize ?? fieldSize
        let type = block[156]
        let padding = Int((UInt64(Self.blockSize) - size % UInt64(Self.blockSize)) % UInt64(Self.blockSize))
        switch type {
        case UInt8(ascii: "x"), UInt8(ascii: "L"):
            state = .body(.extended(type), remaining: size, padding: padding)
            pendingSize = nil
        case UInt8(ascii: "g"), UInt8(ascii: "K"):
            state = .body(.skipped, remaining: size, padding: padding)
        default:
            let path = pendingPath ?? Self.name(block)
            pendingPath = nil
            pendingSize = nil
            // Links, directories, devices and fifos carry no data, whatever their size field says.
            let data = (0x31...0x36).contains(type) ? 0 : size
            let member = Member(path: Self.normalized(path), type: type, size: data)
            try handle(.member(member))
            state = .body(.member, remaining: data, padding: data == 0 ? 0 : padding)
            if data == 0 { try finish(.member, handle) }
        }
    }

    /// `./a/b/` → `a/b`: tar writes both forms.
    static func normalized(_ path: String) -> String {
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }

    static func name(_ block: [UInt8]) -> String {
        let name = String(decoding: block[0..<100].prefix { $0 != 0 }, as: UTF8.self)
        let prefix = String(decoding: block[345..<500].prefix { $0 != 0 }, as: UTF8.self)
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    static func checksum(_ block: [UInt8]) -> UInt64 {
        var sum: UInt64 = 0
        for (i, b) in block.enumerated() { sum += (148..<156).contains(i) ? 0x20 : UInt64(b) }
        return sum
    }

    /// An octal field (spaces or NULs around it), or GNU's base-256 for large values.
    static func number(_ field: ArraySlice<UInt8>) -> UInt64? {
        if let first = field.first, first & 0x80 != 0 {
            var n: UInt64 = UInt64(first & 0x7F)
            for b in field.dropFirst() {
                guard n >> 56 == 0 else { return nil }
                n = n << 8 | UInt64(b)
            }
            return n
        }
        return octal(field)
    }

    static func octal(_ field: ArraySlice<UInt8>) -> UInt64? {
        let digits = field.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        guard !digits.isEmpty, digits.count <= 21 else { return nil }
        var n: UInt64 = 0
        for d in digits {
            guard (0x30...0x37).contains(d) else { return nil }
            n = n * 8 + UInt64(d - 0x30)
        }
        return n
    }

    /// `LEN key=value\n` records.
    static func paxRecords(_ bytes: [UInt8]) throws -> [String: String] {
        var fields: [String: String] = [:]
        var i = 0
        while i < bytes.count {
            guard let space = bytes[i...].firstIndex(of: 0x20), let length = Int(String(decoding: bytes[i..<space], as: UTF8.self)),
                length > space - i + 1, i + length <= bytes.count, bytes[i + length - 1] == 0x0A,
                let equals = bytes[(space + 1)..<(i + length)].firstIndex(of: UInt8(ascii: "="))
            else { throw BackupError.damaged("a pax header that cannot be read") }
            let key = String(decoding: bytes[(space + 1)..<equals], as: UTF8.self)
            fields[key] = String(decoding: bytes[(equals + 1)..<(i + length - 1)], as: UTF8.self)
            i += length
        }
        return fields
    }

    /// The header, data and padding of one plain file member (name ≤ 100 bytes): how the backup
    /// appends its checksums after what tar wrote.
    public static func fileMember(name: String, contents: [UInt8], mtime: UInt64) -> [UInt8] {
        precondition(name.utf8.count < 100)
        var h = [UInt8](repeating: 0, count: blockSize)
        func put(_ text: String, at start: Int) { for (k, b) in text.utf8.enumerated() { h[start + k] = b } }
        func octalField(_ n: UInt64, width: Int) -> String {
            let digits = String(n, radix: 8)
            return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        }
        put(name, at: 0)
        put(octalField(0o644, width: 8), at: 100)
        put(octalField(0, width: 8), at: 108)
        put(octalField(0, width: 8), at: 116)
        put(octalField(UInt64(contents.count), width: 12), at: 124)
        put(octalField(mtime, width: 12), at: 136)
        h[156] = UInt8(ascii: "0")
        put("ustar", at: 257)
        put("00", at: 263)
        put(octalField(checksum(h), width: 7), at: 148)
        h[155] = 0x20
        let padding = (blockSize - contents.count % blockSize) % blockSize
        return h + contents + [UInt8](repeating: 0, count: padding)
    }

    /// Two zero blocks: the end of an archive.
    public static let endBlocks = [UInt8](repeating: 0, count: 2 * blockSize)
}
