/// Finds files in an ISO 9660 image by their Rock Ridge names (what image-recipe/mkiso writes),
/// reading the image itself rather than mounting it: no kernel file system parses a downloaded,
/// not yet verified image, no loop device or mount namespace is needed, and a file that lies
/// past the end of a truncated image is known before a byte of it is copied.
public struct ISO9660 {
    public struct Entry: Equatable, Sendable {
        public var name: String
        /// Byte offset of the file's data in the image.
        public var offset: UInt64
        public var size: UInt64
        public var isDirectory: Bool
    }

    /// Reads `count` bytes at an offset; fewer at the end of the image.
    public typealias Read = (_ offset: UInt64, _ count: Int) throws -> [UInt8]

    static let block: UInt64 = 2048
    /// Larger directories than this are not Lightwhale's (its ISO has a dozen files).
    static let largestDirectory: UInt64 = 1 << 20

    let read: Read
    let imageSize: UInt64
    let root: Entry
    /// Bytes before each record's System Use entries (the SP entry says; 0 in practice).
    let suspSkip: Int

    public init(size: UInt64, read: @escaping Read) throws {
        self.read = read
        imageSize = size
        let pvd = try read(16 * Self.block, Int(Self.block))
        guard pvd.count == Int(Self.block), pvd[0] == 1, Array(pvd[1..<6]) == Array("CD001".utf8) else {
            throw UpdateError.badImage("no ISO 9660 volume descriptor at 32 KiB: not a Lightwhale ISO")
        }
        guard Self.le16(pvd, 128) == UInt16(Self.block) else { throw UpdateError.badImage("an ISO 9660 block size other than 2048") }
        guard let (root, _) = try Self.record(Array(pvd[156..<190]), at: 0, imageSize: size) else {
            throw UpdateError.badImage("the ISO 9660 root directory record is damaged")
        }
        self.root = root
        let first = try read(root.offset, 256)
        suspSkip = Self.spSkip(first)
    }

    /// The entry at `path` (`lightwhale/manifest.json`), or nil when there is none.
    public func find(_ path: String) throws -> Entry? {
        var dir = root
        let parts = path.split(separator: "/")
        for (i, part) in parts.enumerated() {
            guard dir.isDirectory else { return nil }
            guard let next = try entries(of: dir).first(where: { $0.name == part }) else { return nil }
            if i == parts.count - 1 { return next }
            dir = next
        }
        return dir
    }

    func entries(of dir: Entry) throws -> [Entry] {
        guard dir.size <= Self.largestDirectory else { throw UpdateError.badImage("a directory of \(dir.size) bytes") }
        let bytes = try read(dir.offset, Int(dir.size))
        guard bytes.count == Int(dir.size) else { throw UpdateError.badImage("a directory lies past the end of the image: it is truncated") }
        var out: [Entry] = []
        var pos = 0
        while pos < bytes.count {
            if bytes[pos] == 0 {
                // Records never cross a block: the rest of this one is padding.
                pos = (pos / Int(Self.block) + 1) * Int(Self.block)
                continue
            }
            guard let (entry, length) = try Self.record(bytes, at: pos, imageSize: imageSize, suspSkip: suspSkip) else {
                throw UpdateError.badImage("a damaged directory record at byte \(dir.offset + UInt64(pos))")
            }
            if !entry.name.isEmpty { out.append(entry) }
            pos += length
        }
        return out
    }

    /// The directory record at `pos` and its length; nil when it does not fit or is not one.
    /// `.` and `..` come back with an empty name.
    static func record(_ b: [UInt8], at pos: Int, imageSize: UInt64, suspSkip: Int = 0) throws -> (Entry, Int)? {
        guard pos + 34 <= b.count else { return nil }
        let length = Int(b[pos])
        let nameLength = Int(b[pos + 32])
        guard length >= 34, pos + length <= b.count, 33 + nameLength <= length else { return nil }
        let flags = b[pos + 25]
        guard flags & 0x80 == 0 else { throw UpdateError.badImage("a file in several extents (larger than 4 GiB)") }
        let offset = UInt64(le32(b, pos + 2)) * block
        let size = UInt64(le32(b, pos + 10))
        let id = Array(b[(pos + 33)..<(pos + 33 + nameLength)])
        var name = ""
        if !(nameLength == 1 && id[0] <= 1) {
            let systemUse = pos + 33 + nameLength + (nameLength % 2 == 0 ? 1 : 0) + suspSkip
            name = rockRidgeName(b, from: systemUse, to: pos + length) ?? isoName(id)
        }
        let entry = Entry(name: name, offset: offset, size: size, isDirectory: flags & 0x02 != 0)
        guard offset + size <= imageSize else {
            throw UpdateError.badImage("\(name.isEmpty ? "a directory" : name) lies past the end of the image (\(offset + size) > \(imageSize) bytes): it is truncated")
        }
        return (entry, length)
    }

    /// The name from the record's NM entries (which may continue one another), if it has any.
    static func rockRidgeName(_ b: [UInt8], from start: Int, to end: Int) -> String? {
        var name: [UInt8] = []
        var found = false
        var pos = start
        while pos + 4 <= end {
            let length = Int(b[pos + 2])
            guard length >= 4, pos + length <= end else { break }
            if b[pos] == UInt8(ascii: "N"), b[pos + 1] == UInt8(ascii: "M"), length >= 5 {
                name += b[(pos + 5)..<(pos + length)]
                found = true
                if b[pos + 4] & 1 == 0 { break }
            }
            pos += length
        }
        return found ? String(decoding: name, as: UTF8.self) : nil
    }

    /// `NAME.EXT;1` without its version: what a plain ISO 9660 image names a file.
    static func isoName(_ id: [UInt8]) -> String {
        let text = String(decoding: id, as: UTF8.self)
        let bare = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
        return bare.hasSuffix(".") ? String(bare.dropLast()) : bare
    }

    /// The SP entry in the root's `.` record says how many bytes precede System Use entries.
    static func spSkip(_ b: [UInt8]) -> Int {
        guard b.count >= 34 else { return 0 }
        let length = Int(b[0])
        let nameLength = Int(b[32])
        let su = 33 + nameLength + (nameLength % 2 == 0 ? 1 : 0)
        guard length <= b.count, su + 7 <= length, b[su] == UInt8(ascii: "S"), b[su + 1] == UInt8(ascii: "P"),
            b[su + 4] == 0xBE, b[su + 5] == 0xEF
        else { return 0 }
        return Int(b[su + 6])
    }

    static func le16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }

    static func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
