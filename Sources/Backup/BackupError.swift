/// Why a backup or a restore stopped: each case names its rule (`code`, for --json).
public enum BackupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The archive cannot be read as it was written: cut short, altered, or not ours.
    case damaged(String)
    case notABackup(String)
    case mismatch([String])
    case unsafePath(String)
    case notPersistent(mode: String, why: String)

    public var code: String {
        switch self {
        case .damaged: "damaged"
        case .notABackup: "not-a-backup"
        case .mismatch: "mismatch"
        case .unsafePath: "unsafe-path"
        case .notPersistent: "not-persistent"
        }
    }

    public var description: String {
        switch self {
        case .damaged(let why): "the archive is damaged: \(why)"
        case .notABackup(let why): "not a Lightwhale backup: \(why)"
        case .mismatch(let problems):
            "the archive does not match its checksums: "
                + problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? "; and \(problems.count - 5) more" : "")
        case .unsafePath(let path): "the archive holds \"\(path)\", which is not a path a backup writes"
        case .notPersistent(let mode, let why): "this boot is \(mode) (\(why)): there is no data disk in use to back up"
        }
    }
}
