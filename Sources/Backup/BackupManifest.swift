import FoundationEssentials
import Updating

/// The archive's first member, `lightwhale-backup.json`: what made it and what it holds, read
/// before a restore touches a disk.
public struct BackupManifest: Codable, Equatable, Sendable {
    public static let name = "lightwhale-backup.json"
    public static let currentFormat = 1

    public var format: Int
    public var product: String
    /// The Lightwhale version that made it.
    public var version: String
    /// ISO 8601, UTC.
    public var created: String
    public var host: String
    public var withImages: Bool
    /// Directories of the data file system in the archive, relative to its root.
    public var contents: [String]
    /// Containers paused for the copy (names).
    public var paused: [String]

    public init(version: String, created: String, host: String, withImages: Bool, contents: [String], paused: [String]) {
        format = Self.currentFormat
        product = "lightwhale"
        self.version = version
        self.created = created
        self.host = host
        self.withImages = withImages
        self.contents = contents
        self.paused = paused
    }

    public func encoded() -> [UInt8] { encodedJSON(self) }

    public static func parse(_ bytes: [UInt8]) throws(BackupError) -> BackupManifest {
        let m: BackupManifest
        do { m = try JSONDecoder().decode(BackupManifest.self, from: Data(bytes)) } catch {
            throw .notABackup("its \(name) cannot be read (\(error))")
        }
        guard m.product == "lightwhale" else { throw .notABackup("it is a backup of \(m.product)") }
        guard m.format == currentFormat else {
            throw .notABackup("format \(m.format), and this lwctl reads format \(currentFormat): restore it with a newer Lightwhale")
        }
        for c in m.contents where !BackupPlan.isArchivable(c) { throw .unsafePath(c) }
        return m
    }
}

/// The archive's last member, `lightwhale-backup.sums`: every regular file's size and SHA-256,
/// as the backup read it; a restore checks what it wrote against it.
public struct BackupSums: Codable, Equatable, Sendable {
    public static let name = "lightwhale-backup.sums"

    /// A path, its size and SHA-256: what an image's manifest says of each of its files too.
    public typealias File = UpdateManifest.File

    public var format: Int
    public var files: [File]

    public init(files: [File]) {
        format = BackupManifest.currentFormat
        self.files = files
    }

    public var bytes: UInt64 { files.reduce(0) { $0 + $1.size } }

    public func encoded() -> [UInt8] { encodedJSON(self) }

    public static func parse(_ bytes: [UInt8]) throws(BackupError) -> BackupSums {
        do { return try JSONDecoder().decode(BackupSums.self, from: Data(bytes)) } catch {
            throw .damaged("its \(name) cannot be read (\(error))")
        }
    }

    /// What differs between the files the archive lists and the ones read from it: a name is a
    /// problem if it is missing, extra, or of another size or content. Empty when they agree.
    public static func differences(listed: BackupSums, read: BackupSums) -> [String] {
        var expected: [String: File] = [:]
        for f in listed.files { expected[f.path] = f }
        var problems: [String] = []
        var seen: Set<String> = []
        for f in read.files {
            seen.insert(f.path)
            guard let e = expected[f.path] else {
                problems.append("\(f.path) is in the archive but not in its list")
                continue
            }
            if e.size != f.size {
                problems.append("\(f.path) is \(f.size) bytes, listed as \(e.size)")
            } else if e.sha256 != f.sha256 {
                problems.append("\(f.path) differs from its listed SHA-256")
            }
        }
        for f in listed.files where !seen.contains(f.path) { problems.append("\(f.path) is listed but missing") }
        return problems
    }
}

func encodedJSON<T: Encodable>(_ value: T) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // Plain structs of strings, numbers and arrays: encoding cannot fail.
    return Array(try! encoder.encode(value)) + [0x0A]
}
