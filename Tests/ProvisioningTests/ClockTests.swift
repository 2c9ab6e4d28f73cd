import Testing
@testable import Provisioning

/// cloud-config's `ntp` and `timezone`: read, refused, and planned into chrony's sources file,
/// the off switch and /etc/localtime.
@Suite struct ClockTests {
    static func read(_ body: String) throws -> (CloudConfig, [ConfigFinding]) {
        try NoCloudTests.read("#cloud-config\n" + body)
    }

    static func text(_ plan: ConfigPlan, _ path: String) -> String? {
        plan.writes.last { $0.path == path }.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    @Test func serversPoolsAndTheZoneAreRead() throws {
        let (config, findings) = try Self.read(
            """
            ntp:
              enabled: true
              servers: [10.0.2.2, "fd00::123", time.example.org]
              pools: [pool.example.org]
            timezone: America/Argentina/Buenos_Aires
            """)
        #expect(findings == [])
        #expect(config.ntp == CloudConfig.NTP(servers: ["10.0.2.2", "fd00::123", "time.example.org"], pools: ["pool.example.org"]))
        #expect(config.timezone == "America/Argentina/Buenos_Aires")
    }

    @Test func aServerThatWouldBeAChronyOptionOrAnotherLineIsRefused() throws {
        let (config, findings) = try Self.read(
            """
            ntp:
              servers: ["-x", "a.example iburst", "ok.example", "evil\\nallow all"]
              ntp_client: ntpd
              config: {confpath: /etc/ntp.conf}
            """)
        #expect(config.ntp?.servers == ["ok.example"])
        #expect(findings.map(\.place) == ["user-data: ntp.servers", "user-data: ntp.servers", "user-data: ntp.servers", "user-data: ntp.ntp_client", "user-data: ntp.config"])
        #expect(findings.prefix(3).allSatisfy { $0.kind == .refused })
        #expect(findings.suffix(2).allSatisfy { $0.kind == .unknown })
    }

    @Test(arguments: ["../../etc/shadow", "/etc/shadow", "Europe/../../../etc/passwd", "localtime", "posixrules", "Europe//Paris",
                      "Europe/Paris/", "zone.tab", "Etc/-x", "Europe/Par is", ""])
    func aZoneThatIsNotAZoneNameIsRefused(_ zone: String) throws {
        let (config, findings) = try Self.read("timezone: \"\(zone.replacingNewlines)\"\n")
        #expect(config.timezone == nil)
        #expect(findings == [ConfigFinding(.refused, "user-data: timezone", Names.timezoneRule)])
    }

    @Test(arguments: ["UTC", "Etc/GMT-3", "Etc/GMT+10", "Europe/Copenhagen", "EST5EDT"])
    func zoneNames(_ zone: String) { #expect(Names.timezone(zone)) }

    @Test func serversAndPoolsGoToChronysSourcesFile() {
        var c = CloudConfig(instanceID: "iid-ntp")
        c.ntp = .init(servers: ["10.0.2.2"], pools: ["pool.example.org"])
        let plan = ConfigPlanner.plan(c, files: PlanTests.files)
        #expect(Self.text(plan, ConfigPlanner.ntpSourcesPath) == "# From the configuration (iid-ntp): ntp.servers and ntp.pools\nserver 10.0.2.2 iburst\npool pool.example.org iburst\n")
        #expect(plan.writes.first { $0.path == ConfigPlanner.ntpSourcesPath }?.mode == 0o644)
        #expect(Self.text(plan, ConfigPlanner.ntpOffPath) == nil)
        #expect(plan.applied == ["NTP from 10.0.2.2, pool.example.org"])
        #expect(plan.writes.last?.path == ConfigPlanner.instancePath)
    }

    @Test func enabledFalseTurnsTheClientOff() {
        var c = CloudConfig(instanceID: "iid-ntp")
        c.ntp = .init(enabled: false)
        let plan = ConfigPlanner.plan(c, files: PlanTests.files)
        #expect(plan.writes.map(\.path) == [ConfigPlanner.ntpOffPath, ConfigPlanner.instancePath])
        #expect(plan.applied == ["NTP client off"])
    }

    @Test func aZoneTheImageHasLinksLocaltime() {
        var c = CloudConfig(instanceID: "iid-tz")
        c.timezone = "Europe/Copenhagen"
        var files = PlanTests.files
        files.zones = ["Europe/Copenhagen"]
        let plan = ConfigPlanner.plan(c, files: files)
        #expect(Self.text(plan, "/etc/timezone") == "Europe/Copenhagen\n")
        let link = plan.writes.first { $0.path == "/etc/localtime" }
        #expect(link?.link == "/usr/share/zoneinfo/Europe/Copenhagen")
        #expect(link?.bytes == [])
        #expect(plan.applied == ["timezone Europe/Copenhagen"])
        #expect(plan.findings == [])
    }

    @Test func aZoneTheImageLacksIsRefusedAndNothingWritten() {
        var c = CloudConfig(instanceID: "iid-tz")
        c.timezone = "Mars/Olympus_Mons"
        let plan = ConfigPlanner.plan(c, files: PlanTests.files)
        #expect(plan.writes.map(\.path) == [ConfigPlanner.instancePath])
        #expect(plan.findings == [ConfigFinding(.refused, "user-data: timezone", "no zone 'Mars/Olympus_Mons' in the image's /usr/share/zoneinfo")])
    }
}

extension String {
    /// For a YAML double-quoted scalar.
    fileprivate var replacingNewlines: String { split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n") }
}
