/// The system files a configuration is applied to, as read before applying it.
public struct SystemFiles: Sendable, Equatable {
    public var passwd: String
    public var group: String
    public var shadow: String
    public var hosts: String
    /// Each user's `~/.ssh/authorized_keys` as it is (absent: none yet).
    public var authorizedKeys: [String: String]
    /// The configuration's time zone, if the image's tzdata has it (a file under
    /// /usr/share/zoneinfo).
    public var zones: Set<String>

    public init(passwd: String, group: String, shadow: String, hosts: String, authorizedKeys: [String: String] = [:], zones: Set<String> = []) {
        self.passwd = passwd
        self.group = group
        self.shadow = shadow
        self.hosts = hosts
        self.authorizedKeys = authorizedKeys
        self.zones = zones
    }

    /// name → (uid, gid, home) from /etc/passwd.
    public var accounts: [String: (uid: UInt32, gid: UInt32, home: String)] {
        var out: [String: (uid: UInt32, gid: UInt32, home: String)] = [:]
        for line in passwd.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 7, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { continue }
            out[String(f[0])] = (uid, gid, String(f[5]))
        }
        return out
    }

    public var groupIDs: [String: UInt32] {
        var out: [String: UInt32] = [:]
        for line in group.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count >= 3, let gid = UInt32(f[2]) { out[String(f[0])] = gid }
        }
        return out
    }
}

/// One file to write: whole (or appended to), with its owner and mode.
public struct FileWrite: Sendable, Equatable, Codable {
    public var path: String
    public var bytes: [UInt8]
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var append: Bool
    /// A directory (made if missing, then given the owner and mode), not a file.
    public var directory: Bool = false
    /// A symbolic link to this target (replacing what is there), not a file.
    public var link: String?

    public init(path: String, bytes: [UInt8], mode: UInt32, uid: UInt32 = 0, gid: UInt32 = 0, append: Bool = false) {
        self.path = path
        self.bytes = bytes
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.append = append
    }
}

/// A user the system does not have yet, made (useradd) before the files are planned again.
public struct NewUser: Sendable, Equatable, Codable {
    public var name: String
    public var shell: String
}

/// What applying a configuration does, in order: make the users, write the files (the last one
/// records the instance, so an interrupted apply is done again at the next boot), then run the
/// commands late in the boot.
public struct ConfigPlan: Sendable, Equatable {
    public var newUsers: [NewUser] = []
    public var writes: [FileWrite] = []
    public var commands: [String] = []
    /// One line each of what was done, for the boot log and `lwctl status`.
    public var applied: [String] = []
    public var findings: [ConfigFinding] = []
}

public enum ConfigPlanner {
    public static let defaultUser = "op"
    /// Where the applied instance is recorded (in /etc, so it persists with it).
    public static let instancePath = "/etc/lightwhale/instance-id"
    /// Lightwhale's sshd settings from the configuration: sshd takes the first value it reads, and
    /// reads sshd_config.d in name order, so a file of the owner's named lower wins.
    public static let sshdPath = "/etc/ssh/sshd_config.d/40-lightwhale-config.conf"
    public static let sudoersPath = "/etc/sudoers.d/lightwhale-config"
    /// The network's configuration, read at every boot (NetworkConfig); root's only, like the
    /// rest of what a seed gives.
    public static let networkPath = "/etc/lightwhale/network.yaml"

    /// `once`: record the instance last, so that it is not applied again (a seed); boot
    /// parameters hold for their boot only and record none.
    public static func plan(_ config: CloudConfig, files: SystemFiles, once: Bool = true) -> ConfigPlan {
        var plan = ConfigPlan()
        let accounts = files.accounts
        let groups = files.groupIDs
        // the users a configuration names: the default one (op) with the top-level keys, and the rest
        var users = config.users
        if !config.authorizedKeys.isEmpty {
            if let i = users.firstIndex(where: { $0.name == defaultUser }) {
                users[i].authorizedKeys = config.authorizedKeys + users[i].authorizedKeys
            } else {
                var op = CloudConfig.User(name: defaultUser)
                op.authorizedKeys = config.authorizedKeys
                op.lockPassword = true
                users.append(op)
            }
        }
        for user in users where accounts[user.name] == nil {
            plan.newUsers.append(NewUser(name: user.name, shell: user.shell ?? "/bin/bash"))
        }
        guard plan.newUsers.isEmpty else { return plan }

        if let name = config.hostname {
            plan.writes.append(FileWrite(path: "/etc/hostname", bytes: Array((name + "\n").utf8), mode: 0o644))
            plan.writes.append(FileWrite(path: "/etc/hosts", bytes: Array(hosts(files.hosts, name: name, fqdn: config.fqdn).utf8), mode: 0o644))
            plan.applied.append("hostname \(config.fqdn.map { "\($0) (\(name))" } ?? name)")
        }

        // keys, groups, sudo and passwords, user by user
        var shadow = files.shadow
        var group = files.group
        var sudoers: [String] = []
        var keysGiven = false
        for user in users {
            guard let account = accounts[user.name] else { continue }
            if !user.authorizedKeys.isEmpty {
                let existing = files.authorizedKeys[user.name] ?? ""
                let have = Set(existing.split(separator: "\n").map(String.init))
                let added = user.authorizedKeys.filter { !have.contains($0) }
                let text = existing + (existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n") + added.map { $0 + "\n" }.joined()
                var dir = FileWrite(path: account.home + "/.ssh", bytes: [], mode: 0o700, uid: account.uid, gid: account.gid)
                dir.directory = true
                plan.writes.append(dir)
                plan.writes.append(
                    FileWrite(path: account.home + "/.ssh/authorized_keys", bytes: Array(text.utf8), mode: 0o600, uid: account.uid, gid: account.gid))
                plan.applied.append("\(user.authorizedKeys.count) SSH key(s) for \(user.name)")
                if user.name == defaultUser { keysGiven = true }
            }
            for g in user.groups {
                guard groups[g] != nil else {
                    plan.findings.append(.init(.refused, "user-data: users[\(user.name)].groups", "no group '\(g)' on this system"))
                    continue
                }
                group = addMember(user.name, to: g, in: group)
            }
            if !user.groups.isEmpty { plan.applied.append("\(user.name) in group(s) \(user.groups.joined(separator: ","))") }
            if let rule = user.sudo {
                sudoers.append("\(user.name) \(rule)")
                plan.applied.append("sudo for \(user.name): \(rule)")
            }
            if let hash = user.passwordHash {
                shadow = setPassword(user.name, in: shadow) { _ in hash }
                plan.applied.append("password of \(user.name) set (a hash)")
            } else if user.lockPassword, !config.passwords.contains(where: { $0.user == user.name }) {
                // "*", not passwd -l's "!": sshd without PAM (the image's) takes a "!" account as
                // locked for keys too; no password matches "*", and keys still work
                shadow = setPassword(user.name, in: shadow) { _ in "*" }
                plan.applied.append("password of \(user.name) locked" + (user.authorizedKeys.isEmpty ? "" : " (its keys still work)"))
            }
        }
        for change in config.passwords {
            guard accounts[change.user] != nil else {
                plan.findings.append(.init(.refused, "user-data: chpasswd", "no user '\(change.user)' on this system"))
                continue
            }
            shadow = setPassword(change.user, in: shadow) { _ in change.hash }
            plan.applied.append("password of \(change.user) set (a hash)")
        }
        if group != files.group { plan.writes.append(FileWrite(path: "/etc/group", bytes: Array(group.utf8), mode: 0o644)) }
        if shadow != files.shadow { plan.writes.append(FileWrite(path: "/etc/shadow", bytes: Array(shadow.utf8), mode: 0o640, gid: groups["shadow"] ?? 0)) }
        if !sudoers.isEmpty {
            plan.writes.append(FileWrite(path: sudoersPath, bytes: Array((sudoers.joined(separator: "\n") + "\n").utf8), mode: 0o440))
        }

        // password logins over SSH: as asked, else off once op has keys
        if let logins = config.passwordLogins ?? (keysGiven ? false : nil) {
            let word = logins ? "yes" : "no"
            let text = "# From the configuration (\(config.instanceID)): ssh_pwauth, or keys given for op\nPasswordAuthentication \(word)\nKbdInteractiveAuthentication \(word)\n"
            plan.writes.append(FileWrite(path: sshdPath, bytes: Array(text.utf8), mode: 0o644))
            plan.applied.append("password logins over SSH \(logins ? "on" : "off")")
        }

        planClock(config, files: files, into: &plan)

        for file in config.files {
            let parts = file.owner.split(separator: ":").map(String.init)
            guard let owner = accounts[parts[0]], let gid = parts.count > 1 ? groups[parts[1]] : owner.gid else {
                plan.findings.append(.init(.refused, "user-data: write_files \(file.path)", "no owner \(file.owner) on this system"))
                continue
            }
            plan.writes.append(FileWrite(path: file.path, bytes: file.content, mode: file.mode, uid: owner.uid, gid: gid, append: file.append))
            plan.applied.append("\(file.append ? "appended to" : "wrote") \(file.path)")
        }
        if let text = config.networkConfig {
            plan.writes.append(FileWrite(path: networkPath, bytes: Array(text.utf8), mode: 0o600))
            plan.applied.append("network-config to \(networkPath) (used from this boot on)")
        }
        plan.commands = config.commands
        if !config.commands.isEmpty { plan.applied.append("\(config.commands.count) command(s) of runcmd, run at the end of the boot") }
        if once { plan.writes.append(FileWrite(path: instancePath, bytes: Array((config.instanceID + "\n").utf8), mode: 0o644)) }
        return plan
    }

    /// /etc/hosts with the 127.0.1.1 line naming this host (Debian's convention).
    static func hosts(_ text: String, name: String, fqdn: String?) -> String {
        let line = "127.0.1.1\t" + (fqdn.map { "\($0) \(name)" } ?? name)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        if let i = lines.firstIndex(where: { $0.hasPrefix("127.0.1.1") }) { lines[i] = line } else { lines.insert(line, at: min(1, lines.count)) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func setPassword(_ user: String, in shadow: String, _ change: (String) -> String) -> String {
        edit(shadow) { f in
            guard f[0] == user, f.count >= 2 else { return f }
            var f = f
            f[1] = change(f[1])
            return f
        }
    }

    static func addMember(_ user: String, to group: String, in text: String) -> String {
        edit(text) { f in
            guard f[0] == group, f.count >= 4 else { return f }
            var members = f[3].split(separator: ",").map(String.init)
            guard !members.contains(user) else { return f }
            members.append(user)
            var f = f
            f[3] = members.joined(separator: ",")
            return f
        }
    }

    /// A colon-separated system file, line by line.
    static func edit(_ text: String, _ line: ([String]) -> [String]) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for i in lines.indices where !lines[i].isEmpty {
            lines[i] = line(lines[i].split(separator: ":", omittingEmptySubsequences: false).map(String.init)).joined(separator: ":")
        }
        return lines.joined(separator: "\n")
    }
}
