/// The opt-in that licenses Lightwhale to erase a disk, and the record a claim keeps beside it.
///
/// LBA 0 of a claimed-but-unfinished disk (byte offsets):
///
///     0 ..< 27    "lightwhale-please-format-me"   written by the user (echo adds "\n" at 27)
///     400 ..< 428 claim record: "LWCLAIM1", file-system UUID (16), CRC-32 (4)
///     440 ..< 512 protective MBR (disk signature, partition entry, 0x55AA) written by libfdisk
///
/// libfdisk keeps bytes 0–439 when it writes a GPT, so both survive partitioning; the claim
/// zeroes 0 ..< 440 in one sector write as its very last step: the licence outlives every other
/// write (README.md's I2), and the record tells a finished file system from one to redo (I3).
public enum MagicHeader {
    public static let text = "lightwhale-please-format-me"
    public static let bytes: [UInt8] = Array(text.utf8)
    /// The GPT partition name that licenses formatting that one partition.
    public static let partitionName = text
    /// How much of a device the probe reads to judge its header.
    public static let probeLength = 512
    /// The boot-code area of LBA 0 that libfdisk leaves alone.
    public static let bootCodeLength = 440

    /// LBA 0 after `lwctl enable`: the header and its newline, as the guide's `echo` writes it,
    /// and the rest of the boot-code area zeroed so that no older claim record survives: a licence
    /// written now is a fresh one (I3). The partition-table bytes from 440 on are kept.
    public static func licensed(sector: [UInt8]) -> [UInt8] {
        var out = sector
        let head = bytes + [UInt8(ascii: "\n")]
        out.replaceSubrange(0..<bootCodeLength, with: head + [UInt8](repeating: 0, count: bootCodeLength - head.count))
        return out
    }

    /// The byte-exact rule: the 27 bytes at offset 0 and nothing else. Whatever follows
    /// (the guide's `echo` newline, or old bytes kept by `conv=notrunc`) does not matter.
    public static func match(_ head: [UInt8]) -> MagicMatch {
        if head.count >= bytes.count, Array(head[0..<bytes.count]) == bytes { return .exact }
        if let why = nearMiss(head) { return .nearMiss(why) }
        return .absent
    }

    /// Things a user could mistake for the header, reported so that the log can say why
    /// a disk was *not* claimed.
    static func nearMiss(_ head: [UInt8]) -> String? {
        let lower = bytes.map(asciiLower)
        if head.count >= bytes.count, head[0..<bytes.count].map(asciiLower) == lower {
            return "the header at byte 0 differs in letter case"
        }
        let window = head.prefix(64)
        if window.count > bytes.count {
            for offset in 1...(window.count - bytes.count)
            where Array(window[offset..<(offset + bytes.count)]).map(asciiLower) == lower {
                return "the header starts at byte \(offset), not byte 0"
            }
        }
        return nil
    }

    private static func asciiLower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b + 32 : b }
}

public enum MagicMatch: Sendable, Equatable, Codable {
    case exact
    case nearMiss(String)
    case absent

    public var isExact: Bool { self == .exact }

    /// One string in JSON: `exact`, `absent` or `near miss: <why>`.
    public var text: String {
        switch self {
        case .exact: "exact"
        case .absent: "absent"
        case .nearMiss(let why): "near miss: " + why
        }
    }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        self = s == "exact" ? .exact : s.hasPrefix("near miss: ") ? .nearMiss(String(s.dropFirst(11))) : .absent
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// The state of LBA 0, as far as Lightwhale cares.
public struct BootArea: Sendable, Codable, Equatable {
    public var magic: MagicMatch
    public var claim: ClaimRecord?

    public init(magic: MagicMatch = .absent, claim: ClaimRecord? = nil) {
        self.magic = magic
        self.claim = claim
    }

    public init(parsing head: [UInt8]) {
        self.init(magic: MagicHeader.match(head), claim: ClaimRecord(parsing: head))
    }
}

/// Written next to the magic before formatting: "this claim is making the file system with
/// this UUID". After a power cut it tells our own half-finished work (finish it) from an old
/// data file system the user has licensed us to erase by writing a fresh magic (redo it).
public struct ClaimRecord: Sendable, Codable, Equatable {
    public static let offset = 400
    public static let tag: [UInt8] = Array("LWCLAIM1".utf8)
    public static let length = 28

    public var filesystemUUID: String

    public init(filesystemUUID: String) { self.filesystemUUID = filesystemUUID }

    public init?(parsing head: [UInt8]) {
        let end = Self.offset + Self.length
        guard head.count >= end else { return nil }
        let record = Array(head[Self.offset..<end])
        guard Array(record[0..<8]) == Self.tag else { return nil }
        let stored = record[24..<28].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        guard CRC32.checksum(record[0..<24]) == stored, let uuid = UUIDText(bytes: Array(record[8..<24])) else {
            return nil
        }
        filesystemUUID = uuid.text
    }

    /// The 28 bytes to write at `offset`.
    public func encoded() -> [UInt8] {
        guard let uuid = UUIDText(filesystemUUID) else { preconditionFailure("claim record needs a UUID") }
        var out = Self.tag + uuid.bytes
        let crc = CRC32.checksum(out[...])
        out += (0..<4).map { UInt8((crc >> (8 * UInt32($0))) & 0xff) }
        return out
    }
}
