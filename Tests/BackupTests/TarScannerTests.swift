import Testing

@testable import Backup

@Suite struct TarScannerTests {
    /// Events, with data pieces joined per member.
    func scan(_ bytes: [UInt8], pieceSize: Int) throws -> (members: [TarScanner.Member], data: [[UInt8]], end: UInt64?) {
        var scanner = TarScanner()
        var members: [TarScanner.Member] = []
        var data: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            let piece = bytes[i..<min(bytes.count, i + pieceSize)]
            try scanner.feed(piece) { event in
                switch event {
                case .member(let m):
                    members.append(m)
                    data.append([])
                case .data(let d): data[data.count - 1] += d
                case .memberEnd: break
                }
            }
            i += pieceSize
        }
        return (members, data, scanner.end)
    }

    @Test(arguments: [1, 7, 512, 513, 4096])
    func membersAndDataInAnyPieces(pieceSize: Int) throws {
        let a = Array("hello\n".utf8)
        let b = [UInt8](repeating: 0x41, count: 1000)
        let archive = TarScanner.fileMember(name: "a.txt", contents: a, mtime: 1) + TarScanner.fileMember(name: "dir/b", contents: b, mtime: 2)
            + TarScanner.fileMember(name: "empty", contents: [], mtime: 3) + TarScanner.endBlocks + [UInt8](repeating: 0, count: 9216)
        let (members, data, end) = try scan(archive, pieceSize: pieceSize)
        #expect(members.map(\.path) == ["a.txt", "dir/b", "empty"])
        #expect(members.map(\.size) == [6, 1000, 0])
        #expect(data == [a, b, []])
        #expect(end == UInt64(512 + 512 + 512 + 1024 + 512))
    }

    @Test func paxPathAndSizeApplyToTheNextMember() throws {
        let long = String(repeating: "d/", count: 80) + "file"
        let record = " path=\(long)\n"
        let length = record.utf8.count + String(record.utf8.count + 3).count
        let pax = Array("\(length)\(record)".utf8)
        var header = TarScanner.fileMember(name: "PaxHeaders/x", contents: pax, mtime: 0)
        header[156] = UInt8(ascii: "x")
        // The checksum again, for the changed type.
        let sum = TarScanner.checksum(Array(header[0..<512]))
        let digits = Array(String(sum, radix: 8).utf8)
        let field = [UInt8](repeating: 0x30, count: 6 - digits.count) + digits + [0, 0x20]
        header.replaceSubrange(148..<156, with: field)
        let archive = header + TarScanner.fileMember(name: "short", contents: [1, 2, 3], mtime: 0) + TarScanner.endBlocks
        let (members, data, _) = try scan(archive, pieceSize: 100)
        #expect(members.map(\.path) == [long])
        #expect(data == [[1, 2, 3]])
    }

    @Test func aDamagedHeaderIsSaidWithItsOffset() throws {
        var archive = TarScanner.fileMember(name: "a", contents: [1], mtime: 0) + TarScanner.fileMember(name: "b", contents: [2], mtime: 0)
        archive[1024 + 10] ^= 0x01
        #expect(throws: BackupError.damaged("the tar header at byte 1024 fails its checksum")) { try scan(archive, pieceSize: 512) }
    }

    @Test func numbers() {
        #expect(TarScanner.octal(Array("0000644\0".utf8)[...]) == 0o644)
        #expect(TarScanner.octal(Array("  12 ".utf8)[...]) == 0o12)
        #expect(TarScanner.octal(Array("9".utf8)[...]) == nil)
        #expect(TarScanner.number([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0][...]) == 256)
        #expect(TarScanner.normalized("./a/b/") == "a/b")
    }
}
