/// The clock's part of a configuration: cloud-init's `ntp` (servers, pools, enabled) and
/// `timezone`. The NTP client is chrony (image-recipe/rootfs/etc/init.d/S45ntp): it reads the
/// servers from a sources file in /etc, so they persist with it; DHCP's servers, in /run, are used
/// beside them, and the image's default pool only when neither gives one.
extension ConfigPlanner {
    /// Read by chronyd (`sourcedir /etc/chrony/sources.d` in the image's chrony.conf).
    public static let ntpSourcesPath = "/etc/chrony/sources.d/lightwhale-config.sources"
    /// While it exists S45ntp starts no NTP client.
    public static let ntpOffPath = "/etc/lightwhale/ntp-off"
    public static let zoneinfo = "/usr/share/zoneinfo"

    static func planClock(_ config: CloudConfig, files: SystemFiles, into plan: inout ConfigPlan) {
        if let ntp = config.ntp {
            let lines = ntp.servers.map { "server \($0) iburst" } + ntp.pools.map { "pool \($0) iburst" }
            if !lines.isEmpty {
                let text = "# From the configuration (\(config.instanceID)): ntp.servers and ntp.pools\n" + lines.joined(separator: "\n") + "\n"
                plan.writes.append(FileWrite(path: ntpSourcesPath, bytes: Array(text.utf8), mode: 0o644))
                plan.applied.append("NTP from " + (ntp.servers + ntp.pools).joined(separator: ", "))
            }
            if !ntp.enabled {
                let text = "# From the configuration (\(config.instanceID)): ntp.enabled false. Delete this file to run NTP again.\n"
                plan.writes.append(FileWrite(path: ntpOffPath, bytes: Array(text.utf8), mode: 0o644))
                plan.applied.append("NTP client off")
            }
        }
        if let zone = config.timezone {
            guard files.zones.contains(zone) else {
                plan.findings.append(.init(.refused, "user-data: timezone", "no zone '\(zone)' in the image's \(zoneinfo)"))
                return
            }
            plan.writes.append(FileWrite(path: "/etc/timezone", bytes: Array((zone + "\n").utf8), mode: 0o644))
            var link = FileWrite(path: "/etc/localtime", bytes: [], mode: 0o777)
            link.link = zoneinfo + "/" + zone
            plan.writes.append(link)
            plan.applied.append("timezone \(zone)")
        }
    }
}

extension UserData {
    mutating func readNTP(_ node: YAMLNode) {
        guard let pairs = node.pairs else { return node.isNull ? () : refuse("ntp", "not a mapping") }
        var ntp = CloudConfig.NTP()
        for pair in pairs {
            let place = "ntp.\(pair.key)"
            switch pair.key {
            case "servers", "pools":
                var hosts: [String] = []
                for host in list(pair.value) {
                    if Names.ntpHost(host) { hosts.append(host) } else { refuse(place, "'\(host)': \(Names.ntpHostRule)") }
                }
                if pair.key == "servers" { ntp.servers = hosts } else { ntp.pools = hosts }
            case "enabled":
                guard let b = pair.value.bool else { refuse(place, "neither true nor false"); continue }
                ntp.enabled = b
            case "ntp_client":
                if pair.value.text != "chrony" && pair.value.text != "auto" { unknown(place, "the client is always chrony") }
            default: unknown(place)
            }
        }
        config.ntp = ntp
    }

    mutating func readTimezone(_ node: YAMLNode) {
        guard let zone = node.text?.trimmed, Names.timezone(zone) else { return refuse("timezone", Names.timezoneRule) }
        config.timezone = zone
    }
}

extension Names {
    static let ntpHostRule = "not a host name or an IP address"
    static let timezoneRule = "not an IANA time zone name such as Europe/Copenhagen or UTC"

    /// One word of a chrony `server` line: a name, IPv4 or IPv6 address, nothing chrony would
    /// take as an option.
    static func ntpHost(_ host: String) -> Bool {
        (1...253).contains(host.count) && host.first != "-"
            && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-:".contains($0)) }
    }

    /// A zone's name is a path under /usr/share/zoneinfo: no `..`, no absolute path, and a capital
    /// first (what tzdata keeps there besides its zones is lower-case: localtime, posixrules, ...).
    static func timezone(_ zone: String) -> Bool {
        guard (1...64).contains(zone.count), let first = zone.first, first.isASCII, first.isUppercase else { return false }
        let parts = zone.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && part.first != "-" && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_+-".contains($0)) }
        }
    }
}
