/// Text from a disk (labels, partition names, models) is the disk's author's: a newline in it would
/// forge a line of the boot log, an escape sequence would drive the console. What people read
/// shows such characters escaped; JSON keeps the true value (its encoder escapes them).
extension String {
    /// Control characters (C0, DEL, C1) and the bidirectional overrides as `\n`, `\t` or `\u{…}`;
    /// with `keepingNewlines`, `\n` stays (multi-line output whose lines were escaped already).
    public func printable(keepingNewlines: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar.value {
            case 0x0A where keepingNewlines: out.unicodeScalars.append(scalar)
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
