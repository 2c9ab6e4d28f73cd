#if canImport(Glibc)
import Glibc
#endif
import Provisioning

/// A step of applying a configuration that could not be done, in words.
struct ConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Applies a NoCloud seed to a root file system: reads it, plans (pure), makes missing users with
/// useradd, writes the files (each whole file by a rename, so none is left half-written), and
/// keeps runcmd for the end of the boot (S95runcmd). The instance is recorded last: an apply cut
/// short is done again at the next boot.
public struct Configurator {
    public var root: String
    public var log: (String) -> Void

    public init(root: String, log: @escaping (String) -> Void) {
        self.root = root
        self.log = log
    }

    /// Where the report and runcmd's script go (tmpfs: this boot's).
    public static let reportPath = "/run/lightwhale/config.json"
    public static let commandsPath = "/run/lightwhale/runcmd"
    /// Each of the seed's files is read up to this size; a bigger one is refused.
    static let fileLimit = 1 << 20

    func path(_ p: String) -> String { root == "/" ? p : Paths.join(root, p) }

    /// Mounts `device` read-only, reads its seed and applies it.
    public func apply(device: String, dryRun: Bool = false) -> ConfigReport {
        let mountPoint = path("/run/lightwhale/seed")
        let seed: NoCloud.Seed
        do {
            seed = try Self.mounted(device, at: mountPoint) { try Self.read(directory: mountPoint) }
        } catch {
            return ConfigReport(source: device, state: .refused, error: "\(error)")
        }
        return apply(seed, source: device, dryRun: dryRun)
    }

    public func apply(_ seed: NoCloud.Seed, source: String, dryRun: Bool = false) -> ConfigReport {
        let config: CloudConfig, findings: [ConfigFinding]
        do {
            (config, findings) = try NoCloud.read(seed)
        } catch {
            return ConfigReport(source: source, state: .refused, error: error.reason)
        }
        if TextFile.trimmed(path(ConfigPlanner.instancePath)) == config.instanceID {
            return ConfigReport(source: source, state: .alreadyApplied, instanceID: config.instanceID, findings: findings)
        }
        return apply(config, findings: findings, source: source, once: true, dryRun: dryRun)
    }

    /// The boot parameters' configuration (`hostname=`, `ssh_key=`), if they give one: applied at
    /// every boot that has them.
    public func apply(commandLine: String, dryRun: Bool = false) -> ConfigReport? {
        guard let (config, findings) = KernelCommandLine.config(commandLine) else { return nil }
        return apply(config, findings: findings, source: "the boot parameters", once: false, dryRun: dryRun)
    }

    func apply(_ config: CloudConfig, findings: [ConfigFinding], source: String, once: Bool, dryRun: Bool) -> ConfigReport {
        let instance = once ? config.instanceID : nil
        var plan = ConfigPlanner.plan(config, files: systemFiles(for: config), once: once)
        do {
            if !plan.newUsers.isEmpty {
                for user in plan.newUsers {
                    if dryRun { continue }
                    try makeUser(user)
                }
                let made = plan.newUsers.map { "made user \($0.name)" }
                plan = ConfigPlanner.plan(config, files: systemFiles(for: config), once: once)
                guard dryRun || plan.newUsers.isEmpty else {
                    throw ConfigError( "useradd left \(plan.newUsers.map(\.name).joined(separator: ", ")) missing")
                }
                plan.applied = made + plan.applied
            }
            if !dryRun {
                for write in plan.writes where write.path != ConfigPlanner.instancePath { try self.write(write) }
                if !plan.commands.isEmpty { try writeCommands(plan.commands, instance: config.instanceID) }
                for write in plan.writes where write.path == ConfigPlanner.instancePath { try self.write(write) }
            }
        } catch {
            return ConfigReport(
                source: source, state: .failed, instanceID: instance, applied: plan.applied, findings: findings + plan.findings,
                error: "\(error)")
        }
        return ConfigReport(source: source, state: .applied, instanceID: instance, applied: plan.applied, findings: findings + plan.findings)
    }

    /// This boot's reports for `lwctl status`, readable by every user (they hold no secret).
    public func save(_ reports: [ConfigReport]) {
        do {
            try LiveSystem.write(path(Self.reportPath), try ReportFile.encode(reports))
        } catch {
            log("warning: could not save \(Self.reportPath): \(error)")
        }
    }

    public static func load(root: String) -> [ConfigReport] {
        let file = root == "/" ? reportPath : Paths.join(root, reportPath)
        return LiveSystem.read(file).flatMap { try? ReportFile.decode([ConfigReport].self, from: $0) } ?? []
    }

    func systemFiles(for config: CloudConfig) -> SystemFiles {
        var files = SystemFiles(
            passwd: TextFile.read(path("/etc/passwd")) ?? "", group: TextFile.read(path("/etc/group")) ?? "",
            shadow: TextFile.read(path("/etc/shadow")) ?? "", hosts: TextFile.read(path("/etc/hosts")) ?? "")
        for (name, account) in files.accounts {
            if let keys = TextFile.read(path(account.home + "/.ssh/authorized_keys")) { files.authorizedKeys[name] = keys }
        }
        if let zone = config.timezone {
            var st = stat()
            if stat(path(ConfigPlanner.zoneinfo + "/" + zone), &st) == 0, st.st_mode & S_IFMT == S_IFREG { files.zones.insert(zone) }
        }
        return files
    }

    func makeUser(_ user: NewUser) throws {
        var argv = ["useradd", "--create-home", "--shell", user.shell]
        if root != "/" { argv += ["--root", root] }
        let result = try Subprocess.run(argv + [user.name])
        guard result.status == 0 else {
            throw ConfigError( "useradd \(user.name) failed (\(result.status)): \(result.output.trimmingSpaces())")
        }
    }

    /// A whole file goes to a temporary name beside it, gets its owner and mode, and is renamed
    /// over the old one; an append opens the file as it is.
    func write(_ w: FileWrite) throws {
        let target = path(w.path)
        let parent = String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)])
        try Directory.create(parent.isEmpty ? "/" : parent)
        if let link = w.link {
            let temporary = parent + "/.lightwhale-config.tmp"
            unlink(temporary)
            try retrying("symlink", temporary) { symlink(link, temporary) }
            try retrying("rename", target) { rename(temporary, target) }
            return
        }
        if w.directory {
            try Directory.create(target, mode: mode_t(w.mode))
            try retrying("chown", target) { chown(target, w.uid, w.gid) }
            try retrying("chmod", target) { chmod(target, mode_t(w.mode)) }
            return
        }
        let temporary = w.append ? target : parent + "/.lightwhale-config.tmp"
        let flags = w.append ? O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC : O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW
        let fd = try retrying("create", temporary) { open(temporary, flags, mode_t(w.mode)) }
        defer { close(fd) }
        var done = 0
        while done < w.bytes.count {
            done += try w.bytes.withUnsafeBytes { raw in
                try retrying("write", temporary) { Glibc.write(fd, raw.baseAddress! + done, w.bytes.count - done) }
            }
        }
        if !w.append {
            try retrying("chown", temporary) { fchown(fd, w.uid, w.gid) }
            try retrying("chmod", temporary) { fchmod(fd, mode_t(w.mode)) }
        }
        try retrying("fsync", temporary) { fsync(fd) }
        if !w.append { try retrying("rename", target) { rename(temporary, target) } }
    }

    func writeCommands(_ commands: [String], instance: String) throws {
        let script = "#!/bin/sh\n# runcmd of the NoCloud instance \(instance), run once by /etc/init.d/S95runcmd\n"
            + commands.joined(separator: "\n") + "\n"
        try write(FileWrite(path: Self.commandsPath, bytes: Array(script.utf8), mode: 0o700))
    }

    /// Reads meta-data, user-data and network-config from a seed's directory (`--seed`, or the mounted volume).
    public static func read(directory: String) throws -> NoCloud.Seed {
        func file(_ name: String) throws -> String? {
            let p = Paths.join(directory, name)
            guard Directory.exists(p) else { return nil }
            guard let f = try? DeviceFile(p), let size = try? f.size else { throw ConfigError( "cannot read \(name) of the seed") }
            guard size <= UInt64(fileLimit) else { throw ConfigError( "\(name) is over 1 MiB") }
            return TextFile.read(p)
        }
        guard Directory.isDirectory(directory) else { throw ConfigError("no directory \(directory)") }
        guard let meta = try file("meta-data") else { throw ConfigError( "the seed has no meta-data file") }
        return NoCloud.Seed(metaData: meta, userData: try file("user-data"), networkConfig: try file("network-config"))
    }

    /// Runs `body` with `device` mounted read-only at `mountPoint` (ISO 9660 or FAT), then unmounts.
    static func mounted<T>(_ device: String, at mountPoint: String, _ body: () throws -> T) throws -> T {
        var lastError: Error?
        for type in ["iso9660", "vfat"] {
            do {
                try Mounting.mount(source: device, target: mountPoint, type: type, options: type == "vfat" ? "fmask=0077,dmask=0077" : "",
                                   flags: UInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))
                defer { umount2(mountPoint, 0) }
                return try body()
            } catch let e as SystemError where e.code == .invalidArgument || e.code == .operationNotSupportedByDevice {
                lastError = e
            }
        }
        throw lastError ?? ConfigError( "cannot mount \(device)")
    }
}
