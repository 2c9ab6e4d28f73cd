import FoundationEssentials

/// What a Lightwhale image is made of, signed by its builder: `lightwhale/manifest.json` on the
/// ISO, beside its signature `lightwhale/manifest.sig`. Every file an update stages is named here
/// with its size and SHA-256, so nothing is staged that the builder did not sign.
public struct UpdateManifest: Codable, Equatable, Sendable {
    /// This layout; a later one is refused rather than half understood.
    public static let currentFormat = 1
    /// What a staged version boots from: the kernel, its initrd and the two root images.
    public static let requiredFiles = ["boot/vmlinuz", "boot/initrd.img", "boot/rootfs.squashfs", "boot/cold.squashfs"]
    /// No single file of an image comes near this; a larger size is a crafted manifest.
    static let maximumFileSize: UInt64 = 4 << 30

    public var format: Int
    public var product: String
    public var version: String
    /// The build's medium stamp (`boot/lightwhale-<version>-<time>`): which build this is.
    public var stamp: String
    public var files: [File]

    public struct File: Codable, Equatable, Sendable {
        public var path: String
        public var size: UInt64
        public var sha256: String

        public init(path: String, size: UInt64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    public init(version: String, stamp: String, files: [File]) {
        format = Self.currentFormat
        product = "lightwhale"
        self.version = version
        self.stamp = stamp
        self.files = files
    }

    public var totalSize: UInt64 { files.reduce(0) { $0 + $1.size } }

    public func file(_ path: String) -> File? { files.first { $0.path == path } }

    /// The manifest's bytes, as signed.
    public func encoded() -> [UInt8] { jsonBytes(self) }

    /// Reads and checks a manifest: its format, version and file names are used as paths on
    /// the data disk, so each must be plain.
    public static func parse(_ bytes: [UInt8]) throws(UpdateError) -> UpdateManifest {
        let m: UpdateManifest
        do { m = try JSONDecoder().decode(UpdateManifest.self, from: Data(bytes)) } catch {
            throw .badManifest("not a manifest: \(error)")
        }
        guard m.format == currentFormat else {
            throw .badManifest("format \(m.format), and this lwctl reads format \(currentFormat): update with a newer image's lwctl")
        }
        guard m.product == "lightwhale" else { throw .badManifest("it is for \(m.product), not lightwhale") }
        guard Version.isPlain(m.version) else { throw .badManifest("its version is not a plain version string") }
        guard isPlainName(m.stamp) else { throw .badManifest("its stamp is not a plain name") }
        var seen: Set<String> = []
        for f in m.files {
            guard isPlainPath(f.path) else { throw .badManifest("it names a file \"\(f.path)\" outside boot/") }
            guard seen.insert(f.path).inserted else { throw .badManifest("it names \(f.path) twice") }
            guard f.size <= maximumFileSize else { throw .badManifest("\(f.path) is said to be \(f.size) bytes") }
            guard f.sha256.count == 64, f.sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw .badManifest("\(f.path)'s SHA-256 is not 64 lowercase hex digits")
            }
        }
        if let missing = requiredFiles.first(where: { !seen.contains($0) }) { throw .badManifest("it does not name \(missing)") }
        return m
    }

    /// `boot/NAME`, NAME of letters, digits, `.`, `_`, `-`, not starting with a dot.
    static func isPlainPath(_ path: String) -> Bool {
        guard path.hasPrefix("boot/") else { return false }
        return isPlainName(String(path.dropFirst(5)))
    }

    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "."), name.utf8.count <= 128 else { return false }
        return name.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }
}

func isAlphanumeric(_ c: UInt8) -> Bool {
    (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
}
