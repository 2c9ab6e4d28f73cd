import Testing
@testable import Provisioning

/// A NoCloud seed read into values: what is taken, what is reported, what refuses the seed.
@Suite struct NoCloudTests {
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq1m7bm6rD9wI3cQ3JrL1k2sQ8B5x0p3nXyZ9n0lJk5 alice@laptop"
    static let meta = "instance-id: iid-lw-001\nlocal-hostname: from-meta\n"

    static func read(_ userData: String?, meta: String = meta) throws -> (CloudConfig, [ConfigFinding]) {
        try NoCloud.read(.init(metaData: meta, userData: userData))
    }

    @Test func theSupportedKeys() throws {
        let (config, findings) = try Self.read(
            """
            #cloud-config
            hostname: web-1
            fqdn: web-1.example.org
            ssh_authorized_keys:
              - \(Self.key)
            ssh_pwauth: false
            users:
              - default
              - name: deploy
                groups: [docker, sudo]
                sudo: ALL=(ALL) NOPASSWD:ALL
                ssh_authorized_keys: ["\(Self.key)"]
                lock_passwd: false
                passwd: $6$salt$abcdefghijklmnopqrstuv
            chpasswd:
              expire: false
              users:
                - {name: op, password: $6$other$abcdefghijklmnopqrstuv, type: hash}
            write_files:
              - path: /etc/motd.d/hello
                content: |
                  hello
                permissions: '0600'
                owner: deploy:docker
              - path: /var/www/index.html
                encoding: b64
                content: aGVsbG8gd29ybGQK
            runcmd:
              - touch /home/op/ran
              - [sh, -c, "echo it's here"]
            """)
        #expect(findings == [])
        #expect(config.instanceID == "iid-lw-001")
        #expect(config.hostname == "web-1")
        #expect(config.fqdn == "web-1.example.org")
        #expect(config.authorizedKeys == [Self.key])
        #expect(config.passwordLogins == false)
        #expect(config.users.map(\.name) == ["deploy"])
        #expect(config.users[0].groups == ["docker", "sudo"])
        #expect(config.users[0].sudo == "ALL=(ALL) NOPASSWD:ALL")
        #expect(config.users[0].lockPassword == false)
        #expect(config.users[0].passwordHash == "$6$salt$abcdefghijklmnopqrstuv")
        #expect(config.passwords == [.init(user: "op", hash: "$6$other$abcdefghijklmnopqrstuv")])
        #expect(config.files.count == 2)
        #expect(config.files[0].mode == 0o600 && config.files[0].owner == "deploy:docker" && config.files[0].content == Array("hello\n".utf8))
        #expect(config.files[1].content == Array("hello world\n".utf8))
        #expect(config.commands == ["touch /home/op/ran", "sh -c 'echo it'\\''s here'"])
    }

    @Test func metaDataNamesTheHostWhenUserDataDoesNot() throws {
        #expect(try Self.read(nil).0.hostname == "from-meta")
        #expect(try Self.read("#cloud-config\nfqdn: db.lan\n").0.hostname == "db")
    }

    @Test func unknownKeysAreReportedNotFatal() throws {
        let (config, findings) = try Self.read("#cloud-config\npackages: [nginx]\nhostname: a\nusers:\n  - name: bob\n    gecos: Bob\n")
        #expect(config.hostname == "a")
        #expect(findings.map(\.place) == ["user-data: packages", "user-data: users[0].gecos"])
        #expect(findings.allSatisfy { $0.kind == .unknown })
    }

    @Test func badValuesAreRefusedOneByOne() throws {
        let (config, findings) = try Self.read(
            """
            #cloud-config
            hostname: "bad name"
            ssh_authorized_keys: ["not a key", "\(Self.key)"]
            chpasswd:
              list: |
                op:plaintext
            write_files:
              - path: /usr/bin/docker
                content: x
              - path: /etc/../usr/x
                content: x
              - path: /etc/ok
                content: x
            users:
              - name: Root!
            """)
        #expect(config.hostname == "from-meta")
        #expect(config.authorizedKeys == [Self.key])
        #expect(config.passwords.isEmpty)
        #expect(config.files.map(\.path) == ["/etc/ok"])
        #expect(config.users.isEmpty)
        #expect(findings.map(\.place) == [
            "user-data: hostname", "user-data: ssh_authorized_keys[0]", "user-data: chpasswd.list[0]",
            "user-data: write_files[0].path", "user-data: write_files[1].path", "user-data: users[0]",
        ])
        #expect(findings.allSatisfy { $0.kind == .refused })
    }

    @Test func aSeedWithoutInstanceIsRefusedWhole() {
        #expect(throws: NoCloud.Refusal.self) { try Self.read("#cloud-config\nhostname: a\n", meta: "local-hostname: a\n") }
        #expect(throws: NoCloud.Refusal.self) { try Self.read(nil, meta: "instance-id: [a\n") }
        #expect(throws: NoCloud.Refusal.self) { try Self.read(nil, meta: "instance-id: \"a\\nb\"\n") }
    }

    @Test func userDataThatIsNotCloudConfigIsRefused() throws {
        #expect(try Self.read("#!/bin/sh\necho hi\n").1.map(\.kind) == [.refused])
        #expect(try Self.read("#cloud-config\nhostname: [unclosed\n").1.first?.reason.hasPrefix("not YAML") == true)
        #expect(try Self.read("#cloud-config\n- a list\n").1.first?.reason == "not a mapping of keys")
    }

    @Test func quotedTrueIsTextButPlainYesIsABoolean() throws {
        #expect(try Self.read("#cloud-config\nssh_pwauth: yes\n").0.passwordLogins == true)
        #expect(try Self.read("#cloud-config\nssh_pwauth: 'no'\n").0.passwordLogins == nil)
    }

    @Test func aliasBombsAndDuplicateKeysAreRefused() {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 { bomb += "a\(i): &a\(i) [" + Array(repeating: i == 1 ? "*a" : "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect(throws: YAMLError.self) { try YAML.parse(bomb) }
        #expect(throws: YAMLError.self) { try YAML.parse("a: 1\na: 2\n") }
        #expect(throws: YAMLError.self) { try YAML.parse(String(repeating: "[", count: 200) + String(repeating: "]", count: 200)) }
    }

    @Test func binaryTagIsBase64() throws {
        let (config, _) = try Self.read("#cloud-config\nwrite_files:\n  - path: /etc/b\n    content: !!binary aGk=\n")
        #expect(config.files.first?.content == Array("hi".utf8))
    }
}

/// `hostname=` and `ssh_key=` from the kernel command line, split as the kernel splits it.
@Suite struct CommandLineTests {
    @Test func quotedWordsAndTheTwoParameters() throws {
        let line = "BOOT_IMAGE=/vmlinuz wifi=\"my net;pass word;DK\" hostname=web.lan ssh_key=\"\(NoCloudTests.key)\" quiet\n"
        let words = KernelCommandLine.parameters(line)
        #expect(words.map(\.key) == ["BOOT_IMAGE", "wifi", "hostname", "ssh_key", "quiet"])
        #expect(words[1].value == "my net;pass word;DK")
        #expect(words[4].value == nil)
        let (config, findings) = try #require(KernelCommandLine.config(line))
        #expect(findings.isEmpty)
        #expect(config.hostname == "web" && config.fqdn == "web.lan")
        #expect(config.authorizedKeys == [NoCloudTests.key])
    }

    @Test func noneGivenNoConfiguration() {
        #expect(KernelCommandLine.config("console=ttyS0 lightwhale.wait=30\n") == nil)
    }

    @Test func anUnquotedKeyIsRefused() throws {
        let (config, findings) = try #require(KernelCommandLine.config("ssh_key=ssh-ed25519 AAAA x hostname=-bad"))
        #expect(config.authorizedKeys.isEmpty && config.hostname == nil)
        #expect(findings.map(\.place) == ["boot parameter ssh_key", "boot parameter hostname"])
    }

    @Test func bootParametersRecordNoInstance() {
        var c = CloudConfig(instanceID: "kernel command line")
        c.hostname = "a"
        let plan = ConfigPlanner.plan(c, files: PlanTests.files, once: false)
        #expect(!plan.writes.contains { $0.path == ConfigPlanner.instancePath })
    }
}
