/// Lightwhale's version strings (`2.1.3`, `2.2.0-rc1`), compared as release numbers.
public enum Version {
    /// Letters, digits and `.+~_-`, at most 64, starting with a letter or digit: safe as a
    /// directory name on the data disk.
    public static func isPlain(_ v: String) -> Bool {
        guard let first = v.utf8.first, isAlphanumeric(first), v.utf8.count <= 64 else { return false }
        return v.utf8.allSatisfy { isAlphanumeric($0) || Array(".+~_-".utf8).contains($0) }
    }

    /// Dot- and dash-separated parts, numbers compared as numbers and other parts as text;
    /// a pre-release (`2.2.0-rc1`) comes before its release (`2.2.0`).
    public static func compare(_ a: String, _ b: String) -> Int {
        let (aCore, aPre) = split(a)
        let (bCore, bPre) = split(b)
        let c = compareParts(aCore, bCore)
        if c != 0 { return c }
        switch (aPre, bPre) {
        case (nil, nil): return 0
        case (nil, _): return 1
        case (_, nil): return -1
        case (let x?, let y?): return compareParts(x, y)
        }
    }

    private static func split(_ v: String) -> (core: [Substring], pre: [Substring]?) {
        guard let dash = v.firstIndex(of: "-") else { return (v.split(separator: "."), nil) }
        return (v[..<dash].split(separator: "."), v[v.index(after: dash)...].split(separator: "."))
    }

    private static func compareParts(_ a: [Substring], _ b: [Substring]) -> Int {
        for i in 0..<max(a.count, b.count) {
            let c = compareRuns(runs(i < a.count ? a[i] : "0"), runs(i < b.count ? b[i] : "0"))
            if c != 0 { return c }
        }
        return 0
    }

    /// `rc10` is `rc`, 10: digit runs compare as numbers, so rc2 comes before rc10.
    private static func runs(_ part: Substring) -> [Substring] {
        var out: [Substring] = []
        var start = part.startIndex
        for i in part.indices where i != start && part[i].isNumber != part[part.index(before: i)].isNumber {
            out.append(part[start..<i])
            start = i
        }
        if start < part.endIndex || out.isEmpty { out.append(part[start...]) }
        return out
    }

    private static func compareRuns(_ a: [Substring], _ b: [Substring]) -> Int {
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : ""
            let y = i < b.count ? b[i] : ""
            if let m = Int(x), let n = Int(y) {
                if m != n { return m < n ? -1 : 1 }
            } else if x != y {
                return x < y ? -1 : 1
            }
        }
        return 0
    }
}
