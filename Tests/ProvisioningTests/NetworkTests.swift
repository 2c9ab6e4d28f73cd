import Testing
@testable import Provisioning

/// network-config version 2 and `ip=` read into values, and the plan S40network applies. Pure.
@Suite struct NetworkTests {
    static let full = """
        network:
          version: 2
          ethernets:
            lan:
              match: {macaddress: "52:54:00:AB:cd:01"}
              set-name: lan0
              addresses: [10.0.2.15/24, "fec0::15/64"]
              gateway4: 10.0.2.2
              routes:
                - {to: 192.168.50.0/24, via: 10.0.2.9, metric: 50}
              nameservers: {addresses: [10.0.2.3], search: [example.test]}
              mtu: 1400
            spare:
              match: {name: "en*"}
              dhcp4: true
          vlans:
            vlan10: {id: 10, link: lan, addresses: ["192.168.10.5/24"]}
        """

    @Test func aFullFileAndItsPlan() throws {
        let (config, findings) = try Netplan.read(Self.full)
        #expect(findings.isEmpty, "\(findings)")
        #expect(config.nameservers == ["10.0.2.3"] && config.search == ["example.test"])
        #expect(config.links.map(\.id) == ["lan", "spare", "vlan10"])
        #expect(config.links[0].match == .init(mac: "52:54:00:ab:cd:01"))
        #expect(config.links[2].vlan == .init(parent: "lan", tag: 10))
        #expect(
            config.plan(source: "/etc/lightwhale/network.yaml") == """
                # Lightwhale's network for this boot, from /etc/lightwhale/network.yaml; applied by /etc/init.d/S40network
                link 0 * 52:54:00:ab:cd:01 - one lan0
                name 0 lan0
                mtu 0 1400
                up 0
                addr 0 10.0.2.15/24
                addr 0 fec0::15/64
                route 0 default 10.0.2.2 -
                route 0 192.168.50.0/24 10.0.2.9 50
                link 1 en* - - all -
                up 1
                dhcp4 1
                vlan 2 0 10 vlan10
                up 2
                addr 2 192.168.10.5/24
                dns 10.0.2.3
                search example.test

                """)
        #expect(config.summary.first == "lan: matching mac 52:54:00:ab:cd:01, named lan0, 10.0.2.15/24 fec0::15/64, default via 10.0.2.2, 192.168.50.0/24 via 10.0.2.9, mtu 1400")
    }

    @Test func vlansBeforeTheirEthernetInTheFile() throws {
        let (config, findings) = try Netplan.read("version: 2\nvlans:\n  v9: {id: 9, link: eth0}\nethernets:\n  eth0: {dhcp4: true}\n")
        #expect(findings.isEmpty && config.links.map(\.id) == ["eth0", "v9"])
    }

    @Test func theKeysAtTheTopToo() throws {
        let (config, _) = try Netplan.read("version: 2\nethernets:\n  eth0: {dhcp4: true}\n")
        #expect(config.links == [{ var l = NetworkConfig.Link(id: "eth0"); l.dhcp4 = true; return l }()])
        #expect(config.plan(source: "x").contains("link 0 eth0 - - all -\nup 0\ndhcp4 0\n"))
    }

    @Test(arguments: [
        ("version: 1\nconfig: []\n", "version 1"),
        ("ethernets: {}\n", "no 'version: 2'"),
        ("network: [1, 2]\n", "no 'version: 2'"),
        ("- a\n", "not a mapping"),
        ("version: 2\nethernets: {eth0: {dhcp4: true}\n", "not YAML"),
    ])
    func aFileThatCannotBeReadIsRefusedWhole(text: String, reason: String) {
        #expect(throws: NoCloud.Refusal.self) { try Netplan.read(text) }
        do { _ = try Netplan.read(text) } catch { #expect(error.reason.contains(reason), "\(error.reason)") }
    }

    /// A link with a value that cannot be checked is left out, with the reason; the rest is applied.
    @Test(arguments: [
        ("addresses: [10.0.2.300/24]", "ethernets.eth0.addresses", "is not ADDRESS/PREFIX"),
        ("addresses: [\"10.0.2.15/24 dev lo\"]", "ethernets.eth0.addresses", "is not ADDRESS/PREFIX"),
        ("addresses: 10.0.2.15/24", "ethernets.eth0.addresses", "not a list"),
        ("gateway4: \"10.0.2.2; reboot\"", "ethernets.eth0.gateway4", "not an address"),
        ("match: {name: \"eth0 lo\"}", "ethernets.eth0.match.name", "not an interface name"),
        ("match: {macaddress: \"52:54:00\"}", "ethernets.eth0.match.macaddress", "not a MAC"),
        ("match: {path: pci-0}", "ethernets.eth0.match.path", "not a criterion"),
        ("set-name: \"a-very-long-interface-name\"", "ethernets.eth0.set-name", "not an interface name"),
        ("mtu: 9", "ethernets.eth0.mtu", "from 68 to 65535"),
        ("routes: [{to: default}]", "ethernets.eth0.routes[0].via", "not an address"),
        ("nameservers: {addresses: [dns.example]}", "ethernets.eth0.nameservers.addresses", "is not an address"),
    ])
    func aBadValueLeavesItsLinkOut(field: String, place: String, reason: String) throws {
        let (config, findings) = try Netplan.read("version: 2\nethernets:\n  eth0:\n    \(field)\n  eth1: {dhcp4: true}\n")
        #expect(config.links.map(\.id) == ["eth1"])
        #expect(findings.count == 1)
        #expect(findings.first?.kind == .refused && findings.first?.place == "network-config: " + place, "\(findings)")
        #expect(findings.first?.reason.contains(reason) == true, "\(findings)")
        #expect(findings.first?.reason.contains("eth0 is not configured") == true)
    }

    @Test func whatIsNotAppliedIsReported() throws {
        let (config, findings) = try Netplan.read(
            """
            version: 2
            renderer: networkd
            ethernets:
              eth0: {dhcp4: yes, dhcp6: yes, optional: true, wakeonlan: true}
            vlans:
              v5: {id: 5, link: nothing}
              v6: {id: 5000, link: eth0}
            bonds: {bond0: {interfaces: [eth0]}}
            wifis: {wlan0: {}}
            """)
        #expect(config.links.map(\.id) == ["eth0"])
        // ethernets are read first
        #expect(findings.map(\.place) == [
            "network-config: ethernets.eth0.dhcp6", "network-config: ethernets.eth0.wakeonlan", "network-config: renderer",
            "network-config: vlans.v5.link", "network-config: vlans.v6.id", "network-config: bonds", "network-config: wifis",
        ])
        #expect(findings.filter { $0.kind == .refused }.map(\.place) == ["network-config: vlans.v5.link", "network-config: vlans.v6.id"])
    }

    @Test func theKernelsIPParameter() throws {
        let static1 = try #require(KernelCommandLine.network("quiet ip=10.0.2.15::10.0.2.2:255.255.255.0:box:eth0:off:10.0.2.3:10.0.2.4:10.0.2.2"))
        #expect(static1.findings.isEmpty && static1.hostname == "box")
        let config = try #require(static1.config)
        #expect(config.links.count == 1 && config.links[0].id == "eth0" && config.links[0].match == nil)
        #expect(config.links[0].addresses == ["10.0.2.15/24"] && config.links[0].routes == [.init(to: "default", via: "10.0.2.2")])
        #expect(config.nameservers == ["10.0.2.3", "10.0.2.4"] && config.ntp == ["10.0.2.2"])

        // no device: the first wired interface; a prefix length for the mask
        let anyDevice = try #require(KernelCommandLine.network("ip=192.168.1.9:::16::::")?.config)
        #expect(anyDevice.links.first?.match == .init(name: "*") && anyDevice.links.first?.addresses == ["192.168.1.9/16"])
        #expect(anyDevice.plan(source: "ip=").contains("link 0 * - - one -\n"))

        #expect(KernelCommandLine.network("ip=dhcp")?.config?.links.first?.dhcp4 == true)
        #expect(KernelCommandLine.network("ip=dhcp")?.config?.plan(source: "ip=").contains("link 0 * - - all -") == true)
        #expect(KernelCommandLine.network("ip=eth1:dhcp")?.config?.links.map(\.id) == ["eth1"])
        #expect(KernelCommandLine.network(":::::eth2:dhcp").map { _ in true } == nil)
        #expect(KernelCommandLine.network("ip=:::::eth2:dhcp")?.config?.links.first?.dhcp4 == true)
        let off = try #require(KernelCommandLine.network("ip=off"))
        #expect(off.config == NetworkConfig() && off.findings.isEmpty)
        #expect(KernelCommandLine.network("root=/dev/sda") == nil)
    }

    /// An `ip=` that cannot be used leaves no configuration at all (DHCP then), never "no network".
    @Test(arguments: [
        "ip=10.0.2.15", "ip=10.0.2.15::10.0.2.2:255.0.255.0::eth0:off", "ip=10.0.2.15::10.0.2.2:24::eth0:dhcp",
        "ip=fe80::1", "ip=10.0.2.15::gw:24", "ip=:::::eth0;reboot:dhcp", "ip=sometimes",
    ])
    func aBadIPParameterIsRefused(text: String) throws {
        let ip = try #require(KernelCommandLine.network(text))
        #expect(ip.config == nil, "\(text)")
        #expect(ip.findings.first?.kind == .refused && ip.findings.first?.place == "boot parameter ip")
    }

    @Test func ipsHostNameIsTheHostname() throws {
        #expect(KernelCommandLine.config("ip=10.0.0.2:::24:from-ip:eth0:off")?.0.hostname == "from-ip")
        #expect(KernelCommandLine.config("hostname=given ip=10.0.0.2:::24:from-ip:eth0:off")?.0.hostname == "given")
        #expect(KernelCommandLine.config("ip=dhcp") == nil)
    }

    @Test func aSeedsNetworkConfigIsKeptAsWritten() throws {
        let text = "# static\nversion: 2\nethernets:\n  eth0: {addresses: [10.0.2.15/24]}\n"
        let (config, findings) = try NoCloud.read(.init(metaData: NoCloudTests.meta, userData: nil, networkConfig: text))
        #expect(config.networkConfig == text && findings.isEmpty)
        let plan = ConfigPlanner.plan(config, files: PlanTests.files)
        let write = try #require(plan.writes.first { $0.path == ConfigPlanner.networkPath })
        #expect(String(decoding: write.bytes, as: UTF8.self) == text && write.mode == 0o600)

        let (bad, badFindings) = try NoCloud.read(.init(metaData: NoCloudTests.meta, userData: nil, networkConfig: "version: 1\n"))
        #expect(bad.networkConfig == nil)
        #expect(badFindings.map(\.place) == ["network-config"] && badFindings.first?.kind == .refused)
    }

    @Test func addressSyntax() {
        for good in ["0.0.0.0", "10.0.2.15", "255.255.255.255"] { #expect(IPAddress.isV4(Substring(good)), "\(good)") }
        for bad in ["10.0.2", "10.0.2.256", "010.0.2.1", "1.2.3.4.5", "a.b.c.d", "1..2.3", ""] { #expect(!IPAddress.isV4(Substring(bad)), "\(bad)") }
        for good in ["::", "::1", "fe80::1", "fec0::15", "2001:db8:0:0:0:0:0:1", "::ffff:10.0.2.15", "1:2:3:4:5:6:7::"] {
            #expect(IPAddress.isV6(Substring(good)), "\(good)")
        }
        for bad in ["1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", ":", "fe80::1%eth0", "1:2:3:4:5:6:7", "::g"] { #expect(!IPAddress.isV6(Substring(bad)), "\(bad)") }
        #expect(IPAddress.isCIDR("10.0.0.0/8") && IPAddress.isCIDR("fec0::/64") && IPAddress.isCIDR("0.0.0.0/0"))
        #expect(!IPAddress.isCIDR("10.0.0.0/33") && !IPAddress.isCIDR("10.0.0.0") && !IPAddress.isCIDR("::/129") && !IPAddress.isCIDR("10.0.0.0/-1"))
        #expect([("255.255.255.0", 24), ("255.255.255.255", 32), ("0.0.0.0", 0), ("255.128.0.0", 9)].allSatisfy { IPAddress.prefix(ofMask: $0.0) == $0.1 })
        #expect(IPAddress.prefix(ofMask: "255.0.255.0") == nil && IPAddress.prefix(ofMask: "24") == nil)
        #expect(IPAddress.mac("52:54:00:AB:CD:EF") == "52:54:00:ab:cd:ef" && IPAddress.mac("52:54:00:ab:cd") == nil && IPAddress.mac("52-54-00-ab-cd-ef") == nil)
    }
}
