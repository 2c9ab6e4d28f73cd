/// The boot parameters that configure a machine with no seed at hand (typed at the boot prompt,
/// or in a PXE configuration): `hostname=NAME` and `ssh_key="TYPE KEY [COMMENT]"` (op's, one
/// key). They hold for the boot they are given at, so they are applied at every such boot, after
/// a seed.
public enum KernelCommandLine {
    /// The parameters as the kernel splits them: at spaces outside double quotes, the quotes
    /// removed (as /proc/cmdline shows them, the quotes are still there).
    public static func parameters(_ text: String) -> [(key: String, value: String?)] {
        var words: [String] = []
        var word = "", quoted = false, inWord = false
        for c in text {
            if c == "\"" {
                quoted.toggle()
                inWord = true
            } else if c.isWhitespace && !quoted {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(c)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words.map { w in
            guard let eq = w.firstIndex(of: "=") else { return (w, nil) }
            return (String(w[..<eq]), String(w[w.index(after: eq)...]))
        }
    }

    /// The configuration the parameters ask for; nil when they name none.
    public static func config(_ text: String) -> (CloudConfig, [ConfigFinding])? {
        var config = CloudConfig(instanceID: "kernel command line")
        var findings: [ConfigFinding] = []
        var any = false
        for (key, value) in parameters(text) {
            switch key {
            case "hostname":
                any = true
                guard let value, let name = Names.hostname(value) else {
                    findings.append(.init(.refused, "boot parameter hostname", Names.hostnameRule))
                    continue
                }
                config.hostname = name
                if value.contains(".") { config.fqdn = value }
            case "ssh_key":
                any = true
                guard let value, Names.publicKey(value) else {
                    findings.append(.init(.refused, "boot parameter ssh_key", "not one SSH public key: quote it, ssh_key=\"ssh-ed25519 AAAA... you@host\""))
                    continue
                }
                config.authorizedKeys.append(value)
            default: continue
            }
        }
        return any ? (config, findings) : nil
    }
}
