/// What a GPT header (LBA 1) declares about its entry array. A real one has 128 entries of 128
/// bytes; a crafted one may declare thousands, or entries of another size, to make the tools that
/// rewrite it (libfdisk, the kernel) fail halfway or read far past the table.
public struct GPTHeader: Sendable, Codable, Equatable {
    public var entries: Int
    public var entrySize: Int

    /// The most entries Lightwhale rewrites a table of; the kernel registers partitions up to 255.
    public static let maximumEntries = 256
    public static let entrySize = 128

    public init(entries: Int, entrySize: Int) {
        self.entries = entries
        self.entrySize = entrySize
    }

    /// `sector`: LBA 1 of the disk. Nil unless it starts with the signature `EFI PART`.
    public init?(parsing sector: [UInt8]) {
        guard sector.count >= 88, Array(sector[0..<8]) == Array("EFI PART".utf8) else { return nil }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(sector[at + $1]) << (8 * $1) } }
        entries = u32(80)
        entrySize = u32(84)
    }

    public var isOrdinary: Bool { entries <= Self.maximumEntries && entrySize == Self.entrySize }
}
