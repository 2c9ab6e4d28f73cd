/// The address syntax a network configuration is written in, checked before any of it reaches
/// `ip` (S40network passes these words on as they are: they must be exactly one word of an
/// address, never an option or a second command).
enum IPAddress {
    /// `a.b.c.d`, each part 0–255 in decimal without leading zeros (which some tools read as octal).
    static func isV4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            guard (1...3).contains(p.count), p.allSatisfy(\.isASCII), p.allSatisfy(\.isNumber), let v = Int(p), v <= 255 else { return false }
            return p.count == 1 || p.first != "0"
        }
    }

    /// RFC 4291's text forms: eight groups of 1–4 hex digits, one `::` for a run of zeros, and
    /// an IPv4 address as the last two groups.
    static func isV6(_ s: Substring) -> Bool {
        guard s.count <= 45, s.contains(":") else { return false }
        let halves = s.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (i, half) in halves.enumerated() where !half.isEmpty {
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (j, p) in parts.enumerated() {
                if i == halves.count - 1, j == parts.count - 1, isV4(p) {
                    groups += 2
                    continue
                }
                guard (1...4).contains(p.count), p.allSatisfy(\.isHexDigit) else { return false }
                groups += 1
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }

    static func isAddress(_ s: String) -> Bool { isV4(Substring(s)) || isV6(Substring(s)) }

    /// `ADDRESS/PREFIX`, the prefix within the family's width.
    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].allSatisfy(\.isNumber), (1...3).contains(parts[1].count), let prefix = Int(parts[1]) else { return false }
        if isV4(parts[0]) { return prefix <= 32 }
        return isV6(parts[0]) && prefix <= 128
    }

    /// A dotted netmask's prefix length (255.255.255.0 → 24), nil if it is not a contiguous mask.
    static func prefix(ofMask mask: String) -> Int? {
        guard isV4(Substring(mask)) else { return nil }
        let bits = mask.split(separator: ".").reduce(UInt32(0)) { $0 << 8 | UInt32($1)! }
        // the leading ones, and nothing set after them (a smart shift: by 32 it gives 0)
        let length = (~bits).leadingZeroBitCount
        guard bits << length == 0 else { return nil }
        return length
    }

    /// Six pairs of hex digits, colon-separated, as /sys/class/net/*/address shows them (lower case).
    static func mac(_ s: String) -> String? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else { return nil }
        return s.lowercased()
    }
}
