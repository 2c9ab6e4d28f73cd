import Testing
@testable import Provisioning

/// `lwctl enable`'s configuration options, as the seed they become.
@Suite struct OptInTests {
    @Test func theNetworkOption() throws {
        #expect(try OptInConfig.network("dhcp") == .dhcp)
        #expect(try OptInConfig.network("static:10.0.0.5/24,gw=10.0.0.1,dns=10.0.0.1,dns=9.9.9.9,iface=eno1")
            == .fixed(address: "10.0.0.5/24", gateway: "10.0.0.1", dns: ["10.0.0.1", "9.9.9.9"], device: "eno1"))
        #expect(try OptInConfig.network("static:fd00::5/64") == .fixed(address: "fd00::5/64", gateway: nil, dns: [], device: nil))
        for bad in ["static", "static:10.0.0.5", "static:10.0.0.5/24,gateway=10.0.0.1", "static:10.0.0.5/24,gw=x", "manual",
                    "static:10.0.0.5/24,gw=10.0.0.1,gw=10.0.0.2", "static:10.0.0.5/24,iface=a b"] {
            #expect(throws: NoCloud.Refusal.self, "\(bad)") { try OptInConfig.network(bad) }
        }
    }

    @Test func whatTheOptionsWrite() throws {
        var c = OptInConfig()
        #expect(c.userData == nil && c.networkFile == nil)
        c.authorizedKeys = [NoCloudTests.key]
        c.hostname = "web-1"
        c.passwordHash = "$6$salt$abcdefghijklmnopqrstuv"
        c.network = .fixed(address: "10.0.2.15/24", gateway: "10.0.2.2", dns: ["10.0.2.3"], device: nil)
        #expect(c.userData?.chpasswd?.users.first?.name == "op")
        let net = try #require(c.networkFile)
        #expect(net.ethernets["wired"]?.match == ["name": "e*"] && net.ethernets["wired"]?.routes == [["to": "default", "via": "10.0.2.2"]])
        c.network = .fixed(address: "10.0.2.15/24", gateway: nil, dns: [], device: "eth1")
        #expect(c.networkFile?.ethernets["eth1"]?.match == nil && c.networkFile?.ethernets["eth1"]?.nameservers == nil)
        c.network = .dhcp
        #expect(c.networkFile?.ethernets["wired"]?.dhcp4 == true)
    }
}
