/// How the wired network is set up, as plain values: read from /etc/lightwhale/network.yaml
/// (cloud-init's network-config version 2, netplan's format) or from the kernel's `ip=` boot
/// parameter. Without either, every wired interface asks DHCP (S40network's default).
public struct NetworkConfig: Sendable, Codable, Equatable {
    public var links: [Link] = []
    public var nameservers: [String] = []
    public var search: [String] = []
    /// NTP servers given with the network (`ip=`'s tenth field).
    public var ntp: [String] = []

    public init() {}

    /// Which interfaces a link is: all of `name` (a shell glob), `mac` and `driver` that are given.
    public struct Match: Sendable, Codable, Equatable {
        public var name: String?
        public var mac: String?
        public var driver: String?
        public init(name: String? = nil, mac: String? = nil, driver: String? = nil) {
            self.name = name
            self.mac = mac
            self.driver = driver
        }
    }

    public struct Route: Sendable, Codable, Equatable {
        /// `default`, or ADDRESS/PREFIX.
        public var to: String
        public var via: String
        public var metric: Int?
        public init(to: String, via: String, metric: Int? = nil) {
            self.to = to
            self.via = via
            self.metric = metric
        }
    }

    public struct VLAN: Sendable, Codable, Equatable {
        public var parent: String
        public var tag: Int
        public init(parent: String, tag: Int) {
            self.parent = parent
            self.tag = tag
        }
    }

    public struct Link: Sendable, Codable, Equatable {
        /// The name the file gives it (an ethernet without `match` is the interface of that name;
        /// a VLAN is made with that name).
        public var id: String
        public var match: Match?
        /// A VLAN: the id of the link it is on, and its tag.
        public var vlan: VLAN?
        public var setName: String?
        public var dhcp4 = false
        public var addresses: [String] = []
        public var routes: [Route] = []
        public var mtu: Int?

        public init(id: String) { self.id = id }

        /// A link with addresses or a new name is one interface: the first that matches. A
        /// DHCP-only link is every interface that matches (netplan's `en*` with dhcp4).
        var single: Bool { !addresses.isEmpty || setName != nil || vlan != nil }
    }

    /// One line each, for the boot log and `lwctl status`.
    public var summary: [String] {
        var out = links.map { link -> String in
            var what: [String] = []
            if let v = link.vlan { what.append("VLAN \(v.tag) on \(v.parent)") }
            if let m = link.match {
                what.append("matching " + [m.name.map { "name \($0)" }, m.mac.map { "mac \($0)" }, m.driver.map { "driver \($0)" }]
                    .compactMap { $0 }.joined(separator: ", "))
            }
            if let name = link.setName { what.append("named \(name)") }
            if link.dhcp4 { what.append("DHCP") }
            if !link.addresses.isEmpty { what.append(link.addresses.joined(separator: " ")) }
            what += link.routes.map { "\($0.to) via \($0.via)" }
            if let mtu = link.mtu { what.append("mtu \(mtu)") }
            if link.addresses.isEmpty && !link.dhcp4 { what.append("no address") }
            return "\(link.id): " + what.joined(separator: ", ")
        }
        if links.isEmpty { out.append("no wired interface is configured (no DHCP either)") }
        if !nameservers.isEmpty { out.append("DNS " + nameservers.joined(separator: " ") + (search.isEmpty ? "" : ", search " + search.joined(separator: " "))) }
        if !ntp.isEmpty { out.append("NTP " + ntp.joined(separator: " ")) }
        return out
    }

    /// The plan S40network reads, one step a line: `verb N words...`, where N numbers the links
    /// so the shell needs no names of its own. `-` stands for a field not given. Every word was
    /// checked when the configuration was read: the shell splits at spaces and quotes nothing.
    public func plan(source: String) -> String {
        var lines = ["# Lightwhale's network for this boot, from \(source.printableWord); applied by /etc/init.d/S40network"]
        let index = Dictionary(links.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (n, link) in links.enumerated() {
            if let v = link.vlan, let p = index[v.parent] {
                lines.append("vlan \(n) \(p) \(v.tag) \(link.id)")
            } else {
                let m = link.match ?? Match(name: link.id)
                lines.append("link \(n) \(m.name ?? "*") \(m.mac ?? "-") \(m.driver ?? "-") \(link.single ? "one" : "all") \(link.setName ?? "-")")
            }
            // renamed and sized while down; routes need the link up and its address
            if let name = link.setName { lines.append("name \(n) \(name)") }
            if let mtu = link.mtu { lines.append("mtu \(n) \(mtu)") }
            lines.append("up \(n)")
            lines += link.addresses.map { "addr \(n) \($0)" }
            lines += link.routes.map { "route \(n) \($0.to) \($0.via) \($0.metric.map(String.init) ?? "-")" }
            if link.dhcp4 { lines.append("dhcp4 \(n)") }
        }
        lines += nameservers.map { "dns \($0)" }
        lines += search.map { "search \($0)" }
        lines += ntp.map { "ntp \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Safe in a comment line of the plan: no newline or control character.
    var printableWord: String { String(unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) }) }
}
