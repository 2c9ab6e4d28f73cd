import Testing
import Updating

/// What a manifest may say: its names become paths on the data disk.
@Suite("Manifest contents")
struct ManifestTests {
    func json(version: String = "2.2.0", stamp: String = "lightwhale-2.2.0-1", format: Int = 1, product: String = "lightwhale", files: [(String, UInt64, String)]? = nil) -> [UInt8] {
        let list = (files ?? UpdateManifest.requiredFiles.map { ($0, 10, String(repeating: "0", count: 64)) })
            .map { #"{"path":"\#($0.0)","size":\#($0.1),"sha256":"\#($0.2)"}"# }.joined(separator: ",")
        return Array(#"{"format":\#(format),"product":"\#(product)","version":"\#(version)","stamp":"\#(stamp)","files":[\#(list)]}"#.utf8)
    }

    @Test("a plain manifest parses")
    func plain() throws {
        let m = try UpdateManifest.parse(json())
        #expect(m.version == "2.2.0" && m.files.count == 4 && m.file("boot/vmlinuz")?.size == 10)
    }

    static let hex = String(repeating: "0", count: 64)

    @Test(
        "refused: later format, other product, unsafe version or stamp, paths outside boot/, twice, huge, bad hash, a required file missing",
        arguments: [
            (1, "format 2"), (2, "product"), (3, "../etc"), (4, "a/b"), (5, "stamp"), (6, "boot/../x"), (7, "/boot/x"),
            (8, "boot/.hidden"), (9, "twice"), (10, "huge"), (11, "short hash"), (12, "upper-case hash"), (13, "missing"), (14, "not json"),
        ])
    func refused(_ n: Int, _ what: String) {
        let required = UpdateManifest.requiredFiles.map { ($0, UInt64(10), Self.hex) }
        let bytes: [UInt8] =
            switch n {
            case 1: json(format: 2)
            case 2: json(product: "other")
            case 3: json(version: "../etc")
            case 4: json(version: "a/b")
            case 5: json(stamp: "x/y")
            case 6: json(files: required + [("boot/../x", UInt64(1), Self.hex)])
            case 7: json(files: required + [("/boot/x", UInt64(1), Self.hex)])
            case 8: json(files: required + [("boot/.hidden", UInt64(1), Self.hex)])
            case 9: json(files: required + [required[0]])
            case 10: json(files: [(required[0].0, UInt64(5) << 30, Self.hex)] + required.dropFirst())
            case 11: json(files: [(required[0].0, UInt64(1), "abc")] + required.dropFirst())
            case 12: json(files: [(required[0].0, UInt64(1), String(repeating: "A", count: 64))] + required.dropFirst())
            case 13: json(files: Array(required.dropLast()))
            default: Array("{".utf8)
            }
        #expect(throws: UpdateError.self, "\(what)") { try UpdateManifest.parse(bytes) }
        do { _ = try UpdateManifest.parse(bytes) } catch { #expect(error.code == "bad-manifest", "\(what): \(error)") }
    }
}
