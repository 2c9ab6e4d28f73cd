/// A UUID in its canonical lower-case text form, checked, with its 16 bytes.
/// (Foundation's UUID is avoided so the library keeps to FoundationEssentials-free values.)
public struct UUIDText: Sendable, Hashable, Codable, CustomStringConvertible {
    public let text: String

    public init?(_ text: String) {
        let lower = text.lowercased()
        let groups = lower.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12],
            lower.allSatisfy({ $0 == "-" || $0.isHexDigit })
        else { return nil }
        self.text = lower
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        let hex = bytes.map { b in String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16) }
            .joined()
        let c = Array(hex)
        let parts = [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }
        self.init(parts.joined(separator: "-"))
    }

    public var bytes: [UInt8] {
        let hex = Array(text.filter { $0 != "-" })
        return stride(from: 0, to: 32, by: 2).map { UInt8(String(hex[$0...$0 + 1]), radix: 16)! }
    }

    public var description: String { text }

    /// A random version-4 UUID from the given generator.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> UUIDText {
        var b = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        return UUIDText(bytes: b)!
    }
}

/// CRC-32 (IEEE), enough to tell a claim record from bytes that happen to be there.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func checksum(_ data: ArraySlice<UInt8>) -> UInt32 {
        ~data.reduce(~UInt32(0)) { table[Int(($0 ^ UInt32($1)) & 0xff)] ^ ($0 >> 8) }
    }
}
