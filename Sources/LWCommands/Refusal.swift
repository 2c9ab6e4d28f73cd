#if canImport(Glibc)
import Glibc
#endif
import Backup
import PersistenceKit
import Updating

/// `--json`'s answer when nothing was done (update, backup, restore): a refusal names its rule;
/// anything else (an unreadable file, a full disk) failed.
struct CommandRefusal: Encodable {
    var result: String
    var code: String
    var message: String

    init(_ error: any Error) {
        let cause = (error as? Restorer.RestoreFailure)?.cause ?? error
        switch cause {
        case let e as UpdateError: (result, code) = ("refused", e.code)
        case let e as BackupError: (result, code) = ("refused", e.code)
        default: (result, code) = ("failed", "failed")
        }
        message = "\(error)"
    }
}

/// The time as the backup names it: ISO 8601 for its manifest, compact for its file name.
struct UTCTime {
    var iso: String
    var compact: String

    static func now() -> UTCTime {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        func format(_ f: String) -> String {
            var buffer = [CChar](repeating: 0, count: 64)
            let n = strftime(&buffer, 64, f, &parts)
            return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return UTCTime(iso: format("%Y-%m-%dT%H:%M:%SZ"), compact: format("%Y%m%dT%H%M%SZ"))
    }
}

extension Console {
    static func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : Paths.join(currentDirectory(), path) }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, 255) == 0 else { return "" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // It names the archive: letters, digits, dots and dashes only.
        return name.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
    }
}
