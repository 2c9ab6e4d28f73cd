/// A configuration carried by the opt-in itself (`lwctl enable --authorized-keys ... --hostname
/// ...`): a NoCloud seed's three files, written beside the magic header, so that a disk prepared
/// on a workstation brings up a configured server. boot2docker's `userdata.tar`, bounded and
/// checksummed.
///
/// It lies in the gap a claim's GPT leaves unused: after the entry array (which ends by 24 KiB
/// for 512- and 4096-byte sectors) and before the data partition (1 MiB, Layout.alignment).
/// Neither the claim's partition table nor its file system writes there; the claim erases it
/// once the seed is applied, since it holds password hashes.
///
///     offset + 0   "LWSEED01"
///     offset + 8   body length, little-endian UInt32
///     offset + 12  CRC-32 of the body, little-endian UInt32
///     offset + 16  body: meta-data, user-data, network-config, each a little-endian UInt32
///                  length and its bytes
public struct SeedPayload: Sendable, Equatable {
    public static let offset: UInt64 = 64 << 10
    public static let headerLength = 16
    /// The body's bound: the whole payload ends well before the 1 MiB partition start.
    public static let maxBody = (512 << 10) - headerLength
    static let tag: [UInt8] = Array("LWSEED01".utf8)

    public var metaData: [UInt8]
    public var userData: [UInt8]
    public var networkConfig: [UInt8]

    public init(metaData: [UInt8], userData: [UInt8] = [], networkConfig: [UInt8] = []) {
        self.metaData = metaData
        self.userData = userData
        self.networkConfig = networkConfig
    }

    /// What the bytes at `offset` hold.
    public enum Found: Sendable, Equatable {
        /// no payload (any other bytes: a disk never given one)
        case absent
        /// the tag, but a length or checksum that does not hold: never applied
        case damaged(String)
        case payload(SeedPayload)
    }

    /// The header and body, to write at `offset`.
    public func encoded() -> [UInt8]? {
        var body: [UInt8] = []
        for part in [metaData, userData, networkConfig] { body += Self.le(UInt32(part.count)) + part }
        guard body.count <= Self.maxBody else { return nil }
        return Self.tag + Self.le(UInt32(body.count)) + Self.le(CRC32.checksum(body[...])) + body
    }

    /// The header alone tells how much more to read: nil when there is no payload to read.
    public static func bodyLength(header: [UInt8]) -> Found? {
        guard header.count >= headerLength, Array(header[0..<8]) == tag else { return .absent }
        let length = Int(u32le(header, at: 8))
        return length <= maxBody ? nil : .damaged("its length (\(length) bytes) is over the bound of \(maxBody)")
    }

    public static func decode(_ bytes: [UInt8]) -> Found {
        if let early = bodyLength(header: bytes) { return early }
        let length = Int(u32le(bytes, at: 8))
        guard bytes.count >= headerLength + length else { return .damaged("it is cut short") }
        let body = bytes[headerLength..<(headerLength + length)]
        guard CRC32.checksum(body) == u32le(bytes, at: 12) else { return .damaged("its checksum does not match") }
        var parts: [[UInt8]] = []
        var at = body.startIndex
        for _ in 0..<3 {
            guard at + 4 <= body.endIndex else { return .damaged("a part is missing") }
            let n = Int(u32le(Array(body[at..<(at + 4)]), at: 0))
            at += 4
            guard n <= body.endIndex - at else { return .damaged("a part runs past the end") }
            parts.append(Array(body[at..<(at + n)]))
            at += n
        }
        guard at == body.endIndex, !parts[0].isEmpty else { return .damaged("its parts do not fill it") }
        return .payload(SeedPayload(metaData: parts[0], userData: parts[1], networkConfig: parts[2]))
    }

    static func le(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xff) } }
    public static func u32le(_ b: [UInt8], at i: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[i + $1]) << (8 * UInt32($1)) } }
}
