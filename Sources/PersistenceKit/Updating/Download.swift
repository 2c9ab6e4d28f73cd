#if canImport(Glibc)
import Glibc
#endif
import PersistenceCore
import Updating

/// `lwctl update URL`: the image fetched by curl onto the data disk (not into RAM), then staged
/// from there like a file and removed. Nothing about the transport is trusted: the signature is
/// checked as for any file, so plain HTTP and mirrors are fine.
public enum Download {
    /// Where the image is fetched to, beside the versions it will be staged to.
    static let name = "download.iso.part"

    public static func isURL(_ image: String) -> Bool {
        ["http://", "https://", "ftp://"].contains { image.lowercased().hasPrefix($0) }
    }

    /// `(bytes so far, seconds so far)`, about once a second.
    public typealias Progress = (UInt64, Double) -> Void

    /// Fetches `url` to the data disk; returns the file's path (the caller removes it).
    public static func fetch(_ url: String, root: String, progress: Progress) throws -> String {
        signal(SIGPIPE, SIG_IGN)
        let policy = Policy.random(root: root)
        let status = LiveSystem.status(policy: policy)
        try Staging.requirePersistence(status.mode, reason: status.reason.description)
        let updates = Stager.updatesDirectory(policy: policy)
        try Directory.create(updates)
        let path = updates + "/" + name
        unlink(path)
        let fd = try retrying("create", path) { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        var done = false
        defer {
            close(fd)
            if !done { unlink(path) }
        }
        // --fail: an HTTP error is an error, not an "image" holding an error page.
        let curl = try Streamed(
            ["curl", "--fail", "--location", "--silent", "--show-error", "--retry", "2", "--connect-timeout", "30", "--output", "-", "--", url],
            .readingItsOutput)
        let clock = ClaimClock.system
        let start = clock.milliseconds()
        var seconds: Double { Double(clock.milliseconds() - start) / 1000 }
        var bytes: UInt64 = 0
        var shown = -1
        do {
            while true {
                let piece = try Stream.read(curl.fd, count: 1 << 18, what: "curl")
                if piece.isEmpty { break }
                try Stream.write(fd, piece[...], what: path)
                bytes += UInt64(piece.count)
                if Int(seconds) != shown {
                    shown = Int(seconds)
                    progress(bytes, seconds)
                }
            }
        } catch {
            curl.stop()
            throw error
        }
        let (code, errors) = curl.finish()
        guard code == 0 else { throw SystemError("download", url, "curl exited \(code)" + (errors.isEmpty ? "" : ": \(errors)")) }
        progress(bytes, seconds)
        guard fsync(fd) == 0 else { throw SystemError.errno("sync", path) }
        done = true
        return path
    }
}
