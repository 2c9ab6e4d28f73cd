import Testing
@testable import Provisioning

/// What applying a configuration writes, from the system files as they are. Pure.
@Suite struct PlanTests {
    static let files = SystemFiles(
        passwd: "root:x:0:0:root:/root:/bin/bash\nop:x:1000:1000::/home/op:/bin/bash\n",
        group: "root:x:0:\nshadow:x:42:\nsudo:x:27:op\ndocker:x:100:op\nop:x:1000:\n",
        shadow: "root:*:19000:0:99999:7:::\nop:$6$default$hash:19000:0:99999:7:::\n",
        hosts: "127.0.0.1\tlocalhost\n127.0.1.1\tlightwhale\n::1\t\tlocalhost\n")
    static let key = NoCloudTests.key

    func config(_ change: (inout CloudConfig) -> Void) -> CloudConfig {
        var c = CloudConfig(instanceID: "iid-1")
        change(&c)
        return c
    }

    func write(_ plan: ConfigPlan, _ path: String) -> String? {
        plan.writes.last { $0.path == path }.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    @Test func keysForOpLockItsPasswordAndTurnPasswordLoginsOff() {
        let plan = ConfigPlanner.plan(config { $0.authorizedKeys = [Self.key]; $0.hostname = "web"; $0.fqdn = "web.lan" }, files: Self.files)
        #expect(plan.newUsers.isEmpty)
        #expect(write(plan, "/home/op/.ssh/authorized_keys") == Self.key + "\n")
        #expect(plan.writes.first { $0.path == "/home/op/.ssh/authorized_keys" }.map { [$0.uid, $0.gid, $0.mode] } == [1000, 1000, 0o600])
        #expect(write(plan, "/etc/shadow")?.contains("op:*:19000:") == true)
        #expect(plan.writes.first { $0.path == "/etc/shadow" }?.gid == 42)
        #expect(write(plan, ConfigPlanner.sshdPath)?.contains("PasswordAuthentication no\n") == true)
        #expect(write(plan, "/etc/hostname") == "web\n")
        #expect(write(plan, "/etc/hosts") == "127.0.0.1\tlocalhost\n127.0.1.1\tweb.lan web\n::1\t\tlocalhost\n")
        #expect(plan.writes.last?.path == ConfigPlanner.instancePath)
    }

    @Test func askedForPasswordLoginsStayOnAndAHashIsSet() {
        let plan = ConfigPlanner.plan(
            config { $0.authorizedKeys = [Self.key]; $0.passwordLogins = true; $0.passwords = [.init(user: "op", hash: "$6$n$new")] },
            files: Self.files)
        #expect(write(plan, "/etc/shadow")?.contains("op:$6$n$new:") == true)
        #expect(write(plan, ConfigPlanner.sshdPath)?.contains("PasswordAuthentication yes\n") == true)
    }

    @Test func nothingAskedNothingWrittenButTheInstance() {
        let plan = ConfigPlanner.plan(config { _ in }, files: Self.files)
        #expect(plan.writes.map(\.path) == [ConfigPlanner.instancePath])
        #expect(plan.applied.isEmpty)
    }

    @Test func aNewUserIsMadeFirstThenPlannedWithTheRest() {
        var deploy = CloudConfig.User(name: "deploy")
        deploy.groups = ["docker", "nogroup-here"]
        deploy.sudo = "ALL=(ALL) NOPASSWD:ALL"
        deploy.authorizedKeys = [Self.key]
        let c = config { $0.users = [deploy] }
        let first = ConfigPlanner.plan(c, files: Self.files)
        #expect(first.newUsers == [NewUser(name: "deploy", shell: "/bin/bash")])
        #expect(first.writes.isEmpty)
        var made = Self.files
        made.passwd += "deploy:x:1001:1001::/home/deploy:/bin/bash\n"
        made.shadow += "deploy:!:19000:0:99999:7:::\n"
        let second = ConfigPlanner.plan(c, files: made)
        #expect(second.newUsers.isEmpty)
        #expect(write(second, "/etc/group")?.contains("docker:x:100:op,deploy\n") == true)
        #expect(write(second, ConfigPlanner.sudoersPath) == "deploy ALL=(ALL) NOPASSWD:ALL\n")
        #expect(second.findings.map(\.reason) == ["no group 'nogroup-here' on this system"])
        // deploy's "!" (useradd's) becomes "*": sshd without PAM refuses a "!" account its keys too.
        // op got no keys: its password and password logins are left alone.
        #expect(write(second, "/etc/shadow")?.contains("deploy:*:19000:") == true)
        #expect(write(second, "/etc/shadow")?.contains("op:$6$default$hash:") == true)
        #expect(write(second, ConfigPlanner.sshdPath) == nil)
    }

    @Test func keysAlreadyThereAreNotAddedTwice() {
        var files = Self.files
        files.authorizedKeys["op"] = Self.key + "\n"
        let plan = ConfigPlanner.plan(config { $0.authorizedKeys = [Self.key] }, files: files)
        #expect(write(plan, "/home/op/.ssh/authorized_keys") == Self.key + "\n")
    }

    @Test func filesGetTheirOwnerAndMode() {
        var file = CloudConfig.File(path: "/etc/app.conf", content: Array("x=1\n".utf8))
        file.owner = "op:docker"
        file.mode = 0o640
        var stranger = CloudConfig.File(path: "/etc/other", content: [])
        stranger.owner = "nobody-here:nobody-here"
        let plan = ConfigPlanner.plan(config { $0.files = [file, stranger] }, files: Self.files)
        let w = plan.writes.first { $0.path == "/etc/app.conf" }
        #expect(w.map { [$0.uid, $0.gid, $0.mode] } == [1000, 100, 0o640])
        #expect(plan.writes.contains { $0.path == "/etc/other" } == false)
        #expect(plan.findings.count == 1)
    }
}
