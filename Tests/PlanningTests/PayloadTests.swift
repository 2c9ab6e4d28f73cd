import Testing
@testable import PersistenceCore

/// The opt-in's seed beside the magic header: what is read back, and what is never applied.
@Suite struct PayloadTests {
    static let seed = SeedPayload(metaData: Array("instance-id: a\n".utf8), userData: Array("#cloud-config\n{}\n".utf8))

    @Test func roundTrip() throws {
        let bytes = try #require(Self.seed.encoded())
        #expect(Array(bytes[0..<8]) == Array("LWSEED01".utf8))
        #expect(SeedPayload.decode(bytes) == .payload(Self.seed))
        // what follows on the disk does not matter
        #expect(SeedPayload.decode(bytes + [1, 2, 3]) == .payload(Self.seed))
        #expect(SeedPayload.bodyLength(header: Array(bytes[0..<16])) == nil)
        // the gap a claim's GPT leaves: after its entries, before the 1 MiB partition start
        #expect(SeedPayload.offset >= 24 << 10 && SeedPayload.offset + UInt64(SeedPayload.headerLength + SeedPayload.maxBody) <= Layout.alignment)
    }

    @Test func anythingElseIsNoPayload() {
        #expect(SeedPayload.decode([UInt8](repeating: 0, count: 64)) == .absent)
        #expect(SeedPayload.decode(Array("lightwhale-please-format-me".utf8)) == .absent)
        #expect(SeedPayload.decode([]) == .absent)
    }

    @Test func aDamagedOneIsNeverApplied() throws {
        let bytes = try #require(Self.seed.encoded())
        var flipped = bytes
        flipped[20] ^= 0x01
        #expect(SeedPayload.decode(flipped) == .damaged("its checksum does not match"))
        #expect(SeedPayload.decode(Array(bytes.dropLast(3))) == .damaged("it is cut short"))
        var huge = bytes
        huge.replaceSubrange(8..<12, with: [0xff, 0xff, 0xff, 0x7f])
        guard case .damaged(let why) = SeedPayload.decode(huge) else { Issue.record("a length over the bound"); return }
        #expect(why.contains("over the bound"))
        #expect(SeedPayload(metaData: [UInt8](repeating: 65, count: SeedPayload.maxBody)).encoded() == nil)
        #expect(SeedPayload(metaData: []).encoded().map(SeedPayload.decode) == .damaged("its parts do not fill it"))
    }
}
