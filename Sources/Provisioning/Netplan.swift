/// Reads network-config version 2 (netplan's YAML, which cloud-init's NoCloud seeds carry):
/// `ethernets` and `vlans` with addresses, routes, DHCP, names and DNS. What Lightwhale does not
/// apply (bonds, bridges, Wi-Fi, DHCPv6 ...) is a finding; a value it cannot check refuses its
/// link, and a file it cannot read at all refuses the whole (DHCP everywhere then stays).
public enum Netplan {
    public static let interfaceRule = "not an interface name: 1 to 15 letters, digits, '-', '_' or '.'"
    static let globRule = "not an interface name or a pattern of one (letters, digits, -_.*?[])"

    public static func read(_ text: String) throws(NoCloud.Refusal) -> (NetworkConfig, [ConfigFinding]) {
        let root: YAMLNode?
        do { root = try YAML.parse(text) } catch { throw .init(reason: "not YAML (\(error))") }
        guard let top = root?.pairs else { throw .init(reason: "not a mapping of keys (network-config version 2)") }
        // a seed's network-config may hold the keys at the top or under `network:`
        let body = root?["network"]?.pairs ?? top
        let version = body.first { $0.key == "version" }?.value.text
        guard version == "2" else {
            throw .init(reason: version == "1" ? "version 1: only version 2 (netplan's format) is read" : "no 'version: 2'")
        }
        var reader = NetplanReader()
        // ethernets first, wherever the file has them: a VLAN names one as its link
        for pair in body.filter({ $0.key == "ethernets" }) + body.filter({ $0.key != "ethernets" }) { reader.read(pair) }
        return (reader.config, reader.findings)
    }
}

struct NetplanReader {
    var config = NetworkConfig()
    var findings: [ConfigFinding] = []

    mutating func refuse(_ place: String, _ reason: String) { findings.append(.init(.refused, "network-config: " + place, reason)) }
    mutating func unknown(_ place: String, _ reason: String = "a key Lightwhale does not apply") {
        findings.append(.init(.unknown, "network-config: " + place, reason))
    }

    mutating func read(_ pair: YAMLPair) {
        switch pair.key {
        case "version": break
        case "renderer": unknown(pair.key, "Lightwhale's own scripts apply it (S40network)")
        case "ethernets", "vlans":
            guard let items = pair.value.pairs else { return refuse(pair.key, "not a mapping of interfaces") }
            for item in items { readLink(item, vlan: pair.key == "vlans") }
        case "wifis": unknown(pair.key, "Wi-Fi is set up with setup-wifi or wifi= at the boot prompt")
        default: unknown(pair.key)
        }
    }

    mutating func readLink(_ item: YAMLPair, vlan: Bool) {
        let place = "\(vlan ? "vlans" : "ethernets").\(item.key)"
        guard Self.interface(item.key) else { return refuse(place, Netplan.interfaceRule) }
        guard let fields = item.value.pairs else { return refuse(place, "not a mapping") }
        guard !config.links.contains(where: { $0.id == item.key }) else { return refuse(place, "named twice") }
        var link = NetworkConfig.Link(id: item.key)
        var ok = true
        func no(_ field: String, _ reason: String) {
            refuse("\(place).\(field)", reason + "; \(item.key) is not configured")
            ok = false
        }
        if vlan {
            guard let parent = item.value["link"]?.text, config.links.contains(where: { $0.id == parent && $0.vlan == nil }) else {
                return refuse("\(place).link", "not one of the ethernets; \(item.key) is not configured")
            }
            guard let text = item.value["id"]?.text, let tag = Int(text), (1...4094).contains(tag) else {
                return refuse("\(place).id", "not a VLAN id from 1 to 4094; \(item.key) is not configured")
            }
            link.vlan = .init(parent: parent, tag: tag)
        }
        for field in fields where ok {
            let value = field.value
            switch field.key {
            case "link" where vlan, "id" where vlan: break
            case "match" where !vlan:
                guard let m = value.pairs else { no("match", "not a mapping"); break }
                var match = NetworkConfig.Match()
                for criterion in m {
                    switch criterion.key {
                    case "name":
                        guard let name = criterion.value.text, Self.glob(name) else { no("match.name", Netplan.globRule); break }
                        match.name = name
                    case "macaddress":
                        guard let mac = criterion.value.text.flatMap(IPAddress.mac) else { no("match.macaddress", "not a MAC address"); break }
                        match.mac = mac
                    case "driver":
                        guard let driver = criterion.value.text, Self.interface(driver) else { no("match.driver", "not a driver name"); break }
                        match.driver = driver
                    default: no("match.\(criterion.key)", "not a criterion Lightwhale matches (name, macaddress, driver)")
                    }
                }
                link.match = match
            case "set-name" where !vlan:
                guard let name = value.text, Self.interface(name) else { no(field.key, Netplan.interfaceRule); break }
                link.setName = name
            case "dhcp4":
                guard let b = value.bool else { no(field.key, "neither true nor false"); break }
                link.dhcp4 = b
            case "dhcp6":
                if value.bool == true { unknown("\(place).dhcp6", "no DHCPv6 client; SLAAC addresses come by themselves") }
            case "accept-ra":
                if value.bool == false { unknown("\(place).accept-ra", "router advertisements are always accepted") }
            case "optional": break  // nothing waits for a link at boot
            case "addresses":
                guard case .sequence(let xs) = value, !xs.isEmpty, xs.allSatisfy({ $0.text != nil }) else {
                    no(field.key, "not a list of ADDRESS/PREFIX"); break
                }
                let items = Self.list(value)
                if let bad = items.first(where: { !IPAddress.isCIDR($0) }) { no(field.key, "'\(bad.printableWord)' is not ADDRESS/PREFIX"); break }
                link.addresses = items
            case "gateway4", "gateway6":
                guard let via = value.text, IPAddress.isAddress(via) else { no(field.key, "not an address"); break }
                link.routes.append(.init(to: "default", via: via))
            case "routes":
                guard case .sequence(let routes) = value else { no(field.key, "not a list"); break }
                for (i, route) in routes.enumerated() {
                    guard let to = route["to"]?.text, to == "default" || IPAddress.isCIDR(to) || to == "0.0.0.0/0" else {
                        no("routes[\(i)].to", "neither default nor ADDRESS/PREFIX"); break
                    }
                    guard let via = route["via"]?.text, IPAddress.isAddress(via) else { no("routes[\(i)].via", "not an address"); break }
                    var metric: Int?
                    if let m = route["metric"] {
                        guard let v = m.text.flatMap({ Int($0) }), (0...65535).contains(v) else { no("routes[\(i)].metric", "not a number up to 65535"); break }
                        metric = v
                    }
                    for key in route.pairs?.map(\.key) ?? [] where !["to", "via", "metric"].contains(key) {
                        unknown("\(place).routes[\(i)].\(key)")
                    }
                    link.routes.append(.init(to: to == "0.0.0.0/0" || to == "::/0" ? "default" : to, via: via, metric: metric))
                }
            case "nameservers":
                guard let ns = value.pairs else { no(field.key, "not a mapping"); break }
                for entry in ns {
                    let items = Self.list(entry.value)
                    switch entry.key {
                    case "addresses":
                        if let bad = items.first(where: { !IPAddress.isAddress($0) }) { no("nameservers.addresses", "'\(bad.printableWord)' is not an address"); break }
                        config.nameservers += items.filter { !config.nameservers.contains($0) }
                    case "search":
                        if items.contains(where: { !Names.fqdn($0) }) { no("nameservers.search", "not a list of domain names"); break }
                        config.search += items.filter { !config.search.contains($0) }
                    default: unknown("\(place).nameservers.\(entry.key)")
                    }
                }
            case "mtu":
                guard let v = value.text.flatMap({ Int($0) }), (68...65535).contains(v) else { no(field.key, "not a number from 68 to 65535"); break }
                link.mtu = v
            default: unknown("\(place).\(field.key)")
            }
        }
        if ok { config.links.append(link) }
    }

    /// Interface names as the kernel takes them (IFNAMSIZ), in words the shell need not quote.
    static func interface(_ s: String) -> Bool {
        (1...15).contains(s.count) && s != "." && s != ".." && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    static func glob(_ s: String) -> Bool {
        (1...15).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.*?[]".contains($0)) }
    }

    static func list(_ node: YAMLNode) -> [String] {
        if case .sequence(let items) = node { return items.compactMap { $0.text?.trimmed } }
        return node.text.map { [$0.trimmed] } ?? []
    }
}
