/// What `lwctl enable` is asked to configure (`--authorized-keys`, `--hostname`,
/// `--password-hash`, `--network`), as the user-data and network-config of a NoCloud seed. They are
/// encoded as JSON, which YAML reads as it is, so that no value needs YAML's quoting rules; the seed
/// is then read back by the reader every seed goes through, so whatever would be refused at the
/// server's boot is refused on the workstation, before anything is written.
public struct OptInConfig: Sendable, Equatable {
    public var authorizedKeys: [String] = []
    public var hostname: String?
    public var passwordHash: String?
    public var network: Network?

    public init() {}

    public enum Network: Sendable, Equatable {
        case dhcp
        case fixed(address: String, gateway: String?, dns: [String], device: String?)
    }

    public static let networkRule = "not dhcp or static:ADDRESS/PREFIX[,gw=GATEWAY][,dns=SERVER]...[,iface=NAME]"

    /// `--network dhcp` or `--network static:10.0.0.5/24,gw=10.0.0.1,dns=10.0.0.1,iface=eth0`.
    public static func network(_ spec: String) throws(NoCloud.Refusal) -> Network {
        if spec == "dhcp" { return .dhcp }
        guard spec.hasPrefix("static:") else { throw .init(reason: networkRule) }
        let fields = spec.dropFirst("static:".count).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let address = fields.first, IPAddress.isCIDR(address) else { throw .init(reason: "\(networkRule): no ADDRESS/PREFIX first") }
        var gateway: String?, dns: [String] = [], device: String?
        for field in fields.dropFirst() {
            let kv = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw .init(reason: "\(networkRule): '\(field.printableWord)' is not KEY=VALUE") }
            switch kv[0] {
            case "gw" where IPAddress.isAddress(kv[1]) && gateway == nil: gateway = kv[1]
            case "dns" where IPAddress.isAddress(kv[1]): dns.append(kv[1])
            case "iface" where NetplanReader.interface(kv[1]) && device == nil: device = kv[1]
            default: throw .init(reason: "\(networkRule): '\(field.printableWord)' is not a gateway, a DNS server or an interface name")
            }
        }
        return .fixed(address: address, gateway: gateway, dns: dns, device: device)
    }

    /// cloud-config's keys, as they are spelled.
    public struct UserData: Sendable, Encodable, Equatable {
        public var hostname: String?
        public var ssh_authorized_keys: [String]?
        public var chpasswd: Chpasswd?

        public struct Chpasswd: Sendable, Encodable, Equatable {
            public var users: [Entry]
            public struct Entry: Sendable, Encodable, Equatable {
                public var name: String
                public var password: String
                public var type = "hash"
            }
        }
    }

    /// network-config version 2, as netplan spells it.
    public struct NetworkFile: Sendable, Encodable, Equatable {
        public var version = 2
        public var ethernets: [String: Ethernet]

        public struct Ethernet: Sendable, Encodable, Equatable {
            public var match: [String: String]?
            public var dhcp4: Bool?
            public var addresses: [String]?
            public var routes: [[String: String]]?
            public var nameservers: [String: [String]]?
        }
    }

    /// nil when no option of user-data's was given.
    public var userData: UserData? {
        guard !authorizedKeys.isEmpty || hostname != nil || passwordHash != nil else { return nil }
        return UserData(
            hostname: hostname, ssh_authorized_keys: authorizedKeys.isEmpty ? nil : authorizedKeys,
            chpasswd: passwordHash.map { .init(users: [.init(name: ConfigPlanner.defaultUser, password: $0)]) })
    }

    /// nil without `--network`. Without `iface=`, the first wired interface: the kernel names
    /// them en* (predictable names) or eth*.
    public var networkFile: NetworkFile? {
        switch network {
        case nil: return nil
        case .dhcp: return NetworkFile(ethernets: ["wired": .init(match: ["name": "e*"], dhcp4: true)])
        case .fixed(let address, let gateway, let dns, let device):
            return NetworkFile(ethernets: [
                device ?? "wired": .init(
                    match: device == nil ? ["name": "e*"] : nil, addresses: [address],
                    routes: gateway.map { [["to": "default", "via": $0]] }, nameservers: dns.isEmpty ? nil : ["addresses": dns])
            ])
        }
    }
}
