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
        // ip='s host name, unless hostname= gave one
        if config.hostname == nil, let name = network(text)?.hostname {
            config.hostname = name
            any = true
        }
        return any ? (config, findings) : nil
    }
}

/// The kernel's `ip=` parameter (Documentation/admin-guide/nfs/nfsroot.rst), as network boots and
/// boot prompts give it: `ip=CLIENT:SERVER:GATEWAY:NETMASK:HOSTNAME:DEVICE:AUTOCONF:DNS0:DNS1:NTP0`,
/// `ip=dhcp` (or on, any), `ip=off` (or none: no wired interface is configured), and dracut's
/// `ip=DEVICE:dhcp`. Several `ip=` configure several devices. It holds for its boot, over
/// /etc/lightwhale/network.yaml.
extension KernelCommandLine {
    public static let ipRule =
        "not ip=ADDRESS::GATEWAY:NETMASK:HOSTNAME:DEVICE:off:DNS0:DNS1:NTP0 (IPv4, NETMASK dotted or a prefix length), ip=dhcp, ip=off or ip=DEVICE:dhcp"

    /// The network the `ip=` parameters ask for, and its host name; nil when none is given. The
    /// config is nil when every `ip=` was refused: the machine then is not left with no network.
    public static func network(_ text: String) -> (config: NetworkConfig?, hostname: String?, findings: [ConfigFinding])? {
        let values = parameters(text).filter { $0.key == "ip" }.map { $0.value ?? "" }
        guard !values.isEmpty else { return nil }
        var config = NetworkConfig()
        var hostname: String?
        var findings: [ConfigFinding] = []
        var accepted = 0
        for (i, value) in values.enumerated() {
            let place = values.count == 1 ? "boot parameter ip" : "boot parameter ip (\(i + 1). of \(values.count))"
            let f = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let device = f.count > 5 ? f[5] : ""
            let autoconf = f.count == 2 ? f[1] : f.count > 6 ? f[6] : f.count == 1 ? f[0] : ""
            let dhcpWords: Set<String> = ["dhcp", "on", "any", "both", "bootp"]
            func dhcpLink(_ name: String) {
                var link = NetworkConfig.Link(id: name.isEmpty ? "ip\(i)" : name)
                if name.isEmpty { link.match = .init(name: "*") }
                link.dhcp4 = true
                config.links.append(link)
            }
            if f.count == 1 {
                // ip=dhcp, ip=off
                if dhcpWords.contains(value) { dhcpLink("") } else if value != "off" && value != "none" {
                    findings.append(.init(.refused, place, ipRule))
                    continue
                }
                accepted += 1
                continue
            }
            if f.count == 2 {
                // dracut's ip=DEVICE:dhcp
                guard NetplanReader.interface(f[0]), dhcpWords.contains(f[1]) else { findings.append(.init(.refused, place, ipRule)); continue }
                dhcpLink(f[0])
                accepted += 1
                continue
            }
            guard device.isEmpty || NetplanReader.interface(device) else {
                findings.append(.init(.refused, place, "'\(device.printableWord)': " + Netplan.interfaceRule)); continue
            }
            if f[0].isEmpty {
                guard autoconf.isEmpty || dhcpWords.contains(autoconf) else { findings.append(.init(.refused, place, ipRule)); continue }
                dhcpLink(device)
            } else {
                let mask = f.count > 3 ? f[3] : ""
                let prefix = mask.allSatisfy(\.isNumber) && !mask.isEmpty ? Int(mask).flatMap { $0 <= 32 ? $0 : nil } : IPAddress.prefix(ofMask: mask)
                guard IPAddress.isV4(Substring(f[0])), let prefix, ["", "off", "none"].contains(autoconf) else {
                    findings.append(.init(.refused, place, ipRule)); continue
                }
                var link = NetworkConfig.Link(id: device.isEmpty ? "ip\(i)" : device)
                if device.isEmpty { link.match = .init(name: "*") }
                link.addresses = ["\(f[0])/\(prefix)"]
                if f.count > 2, !f[2].isEmpty {
                    guard IPAddress.isV4(Substring(f[2])) else { findings.append(.init(.refused, place, "the gateway is not an IPv4 address")); continue }
                    link.routes = [.init(to: "default", via: f[2])]
                }
                config.links.append(link)
            }
            accepted += 1
            if f.count > 4, !f[4].isEmpty {
                if let name = Names.hostname(f[4]) { hostname = name } else { findings.append(.init(.refused, place + " (host name)", Names.hostnameRule)) }
            }
            for (k, field) in f.enumerated() where k >= 7 && !field.isEmpty {
                guard IPAddress.isV4(Substring(field)), k <= 9 else {
                    findings.append(.init(.refused, place + (k <= 9 ? " (\(k == 9 ? "NTP" : "DNS") server)" : ""), k <= 9 ? "not an IPv4 address" : "more than 10 fields"))
                    continue
                }
                if k == 9 { config.ntp.append(field) } else if !config.nameservers.contains(field) { config.nameservers.append(field) }
            }
        }
        return (accepted > 0 ? config : nil, hostname, findings)
    }
}
