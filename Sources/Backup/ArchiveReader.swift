import Updating

/// The archive as it is read, a piece at a time: each regular file hashed, the control files
/// kept, and the rules of a backup checked (the manifest first, only archivable paths, the
/// checksums last and complete).
public struct ArchiveReader: Sendable {
    private var scanner = TarScanner()
    private var current: (path: String, size: UInt64, digest: FileDigest)?
    private var control: (name: String, bytes: [UInt8])?
    private var members = 0
    public private(set) var manifest: BackupManifest?
    public private(set) var listed: BackupSums?
    public private(set) var containers: [UInt8]?
    /// What was read: every regular file but the control ones.
    public private(set) var read = BackupSums(files: [])

    /// The list of checksums is small beside the files but grows with their number.
    static let controlLimit = 256 << 20

    public init() {}

    public var end: UInt64? { scanner.end }
    public var offset: UInt64 { scanner.offset }

    public mutating func feed(_ bytes: ArraySlice<UInt8>) throws {
        // The scanner is taken out while it calls back into this reader.
        var s = scanner
        scanner = TarScanner()
        defer { scanner = s }
        try s.feed(bytes) { event in try self.handle(event) }
    }

    private mutating func handle(_ event: TarScanner.Event) throws {
        switch event {
        case .member(let m):
            members += 1
            if members == 1 {
                guard m.path == BackupManifest.name, m.isFile else {
                    throw BackupError.notABackup("its first member is \(m.path), not \(BackupManifest.name)")
                }
            }
            guard listed == nil else { throw BackupError.damaged("\(m.path) follows \(BackupSums.name), which ends a backup") }
            guard BackupPlan.isArchivable(m.path) else { throw BackupError.unsafePath(m.path) }
            if BackupPlan.controlNames.contains(m.path) {
                guard m.isFile else { throw BackupError.unsafePath(m.path) }
                control = (m.path, [])
            } else if m.isFile {
                current = (m.path, m.size, FileDigest())
            }
        case .data(let piece):
            if control != nil {
                guard control!.bytes.count + piece.count <= Self.controlLimit else { throw BackupError.damaged("\(control!.name) is too large") }
                control!.bytes += piece
            } else if current != nil {
                piece.withUnsafeBytes { current!.digest.update($0) }
            }
        case .memberEnd:
            if let (name, bytes) = control {
                control = nil
                switch name {
                case BackupManifest.name: manifest = try BackupManifest.parse(bytes)
                case BackupSums.name: listed = try BackupSums.parse(bytes)
                default: containers = bytes
                }
            } else if let c = current {
                current = nil
                read.files.append(.init(path: c.path, size: c.size, sha256: c.digest.hex()))
            }
        }
    }

    /// After the last byte: the archive was whole and every file matches its listed checksum.
    public func verdict() throws(BackupError) -> BackupManifest {
        guard let manifest else { throw .notABackup("it holds no \(BackupManifest.name)") }
        guard scanner.ended else { throw .damaged("it ends at byte \(scanner.offset), before tar's end: cut short") }
        guard let listed else { throw .damaged("it has no \(BackupSums.name): cut short, or not made by lwctl backup") }
        let problems = BackupSums.differences(listed: listed, read: read)
        guard problems.isEmpty else { throw .mismatch(problems) }
        return manifest
    }
}
