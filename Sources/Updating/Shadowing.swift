/// The overlay keeps a file of /etc the owner changed as their copy, over every later image's:
/// at an update, the files whose copy hides a change the new image makes. The images list their
/// /etc in `etc.sums` (sha256sum's lines, paths from the root: `etc/ssh/sshd_config`), the
/// running one in /usr/lib/lightwhale/etc.sums and the new one, signed, in boot/etc.sums.
public enum Shadowing {
    public static let imagePath = "usr/lib/lightwhale/etc.sums"
    public static let stagedPath = "boot/etc.sums"

    /// path → SHA-256; lines that are not sha256sum's are left out.
    public static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].utf8.count == 64 else { continue }
            var path = Substring(parts[1])
            if path.hasPrefix(" ") || path.hasPrefix("*") { path = path.dropFirst() }
            out[String(path)] = String(parts[0])
        }
        return out
    }

    /// The owner's files (`etc/…`, from the overlay's upper layer: changed, added or deleted)
    /// whose path the new image holds with other contents than the running one: each hides the
    /// new image's version. A path the new image does not have hides nothing.
    public static func hidden(owned: [String], running: [String: String], next: [String: String]) -> [String] {
        owned.filter { path in
            guard let new = next[path] else { return false }
            return running[path] != new
        }.sorted()
    }
}
