/// What Lightwhale takes as a host name, a user name, a key, a hash and a path from a seed, with
/// the rule said back when a value breaks it. Each value ends up in a line of a system file
/// (/etc/shadow, /etc/hosts, sudoers): nothing may carry a newline, a colon where the file
/// splits on colons, or a path out of the places that persist.
enum Names {
    static let hostnameRule = "not a host name: letters, digits and '-', at most 63 a label, not starting or ending with '-'"
    static let userRule = "not a user or group name: a lower-case letter or '_', then lower-case letters, digits, '_' or '-', at most 32"
    static let hashRule = "not a crypt(3) password hash such as one from mkpasswd -m sha-512 ($6$...); plain-text passwords are not taken"
    static let pathRule = "not an absolute path under /etc, /home or /var/www (the places that are writable and persist)"

    static func label(_ s: Substring) -> Bool {
        (1...63).contains(s.count) && s.first != "-" && s.last != "-"
            && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    /// The host name: the first label of `name`, lower-cased.
    static func hostname(_ name: String) -> String? {
        guard fqdn(name), let first = name.split(separator: ".").first else { return nil }
        return first.lowercased()
    }

    static func fqdn(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return name.count <= 253 && !labels.isEmpty && labels.allSatisfy(label)
    }

    static func user(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || first.isASCII && first.isLowercase, name.count <= 32 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    static func oneLine(_ s: String) -> Bool { !s.isEmpty && !s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f } }

    /// `[options] type base64 [comment]`: the type names a key (ssh-ed25519, ecdsa-sha2-…,
    /// sk-…), the key is base64.
    static func publicKey(_ line: String) -> Bool {
        guard oneLine(line) else { return false }
        let words = line.split(separator: " ")
        guard let i = words.firstIndex(where: { $0.hasPrefix("ssh-") || $0.hasPrefix("ecdsa-") || $0.hasPrefix("sk-") }),
            i + 1 < words.count
        else { return false }
        return Base64.decode(String(words[i + 1])) != nil
    }

    static func cryptHash(_ hash: String) -> Bool {
        guard oneLine(hash), hash.hasPrefix("$"), !hash.contains(":"), !hash.contains(" ") else { return false }
        return hash.split(separator: "$").count >= 2 && hash.count >= 13
    }

    static func sudoRule(_ rule: String) -> Bool { oneLine(rule) && rule.contains("=") }

    static func writablePath(_ path: String) -> Bool {
        guard oneLine(path), path.hasPrefix("/") else { return false }
        let parts = path.split(separator: "/")
        guard !parts.contains(where: { $0 == ".." || $0 == "." }), let top = parts.first, parts.count >= 2 else { return false }
        return top == "etc" || top == "home" || (top == "var" && parts.count >= 3 && parts[1] == "www")
    }
}

enum Shell {
    /// One word for sh, whatever it holds.
    static func quote(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }) { return word }
        return "'" + word.map { $0 == "'" ? "'\\''" : String($0) }.joined() + "'"
    }
}

enum Base64 {
    /// RFC 4648 base64, line breaks and spaces between the characters allowed; nil when it is not.
    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(c - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(c + 4)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): padding += 1; continue
            case 9, 10, 13, 32: continue
            default: return nil
            }
            if padding > 0 { return nil }
        }
        guard padding <= 2, (values.count + padding) % 4 == 0 || padding == 0 && values.count % 4 != 1, !values.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var i = 0
        while i + 1 < values.count {
            let a = values[i], b = values[i + 1]
            out.append(a << 2 | b >> 4)
            if i + 2 < values.count { out.append(b << 4 | values[i + 2] >> 2) }
            if i + 3 < values.count { out.append(values[i + 2] << 6 | values[i + 3]) }
            i += 4
        }
        return out
    }
}
