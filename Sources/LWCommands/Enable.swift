#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PersistenceKit
import Provisioning

struct Enable: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark a whole disk to be erased and used for persistence at the next boot.",
        discussion: """
            Writes the magic header `lightwhale-please-format-me` at byte 0 of DEVICE, as the guide's \
            `echo … | sudo dd conv=notrunc of=DEVICE` does (and the configuration below, if given). \
            Nothing is erased now: that happens at the next boot. Shows what is on the disk now and asks you to type its name unless --yes.

            Refuses a partition (name the whole disk), the boot medium, a mounted, swapped, held \
            (RAID/LVM/dm) or read-only disk, and disks under 64 MiB. A disk that holds Lightwhale's data \
            (a lightwhale-data file system or partition, even a damaged one) is enabled only with --force. \
            DEVICE may also be a disk image file.

            A configuration can ride along, applied when the disk is claimed, into its new /etc and \
            /home: --authorized-keys FILE (op's keys, one a line), --hostname NAME, --password-hash HASH \
            (op's, from mkpasswd -m sha-512), --network dhcp|static:ADDRESS/PREFIX,gw=GATEWAY,dns=SERVER[,iface=NAME], \
            or a whole --cloud-config FILE (#cloud-config, as a NoCloud seed's user-data; with \
            --network beside it). It is a NoCloud seed written at 64 KiB (bounded to 512 KiB, \
            checksummed), checked now by the reader the boot uses, applied once and then erased. So a \
            disk (or an image file) prepared on a workstation brings up a configured, locked-down \
            server: keys lock op's password and turn password logins over SSH off.
            """)

    @Argument(help: ArgumentHelp("The whole disk, e.g. /dev/sdb or /dev/nvme0n1 (or an image file).", valueName: "device"))
    var device: String
    @Flag(name: .long, help: "Do not ask for confirmation.")
    var yes = false
    @Flag(name: .long, help: "Enable a disk that holds Lightwhale's data (its data is erased at the next boot).")
    var force = false
    @Option(name: .long, help: ArgumentHelp("op's SSH public keys, one a line, for the claimed disk.", valueName: "file"))
    var authorizedKeys: String?
    @Option(name: .long, help: ArgumentHelp("The host name the claimed disk gives the server.", valueName: "name"))
    var hostname: String?
    @Option(name: .long, help: ArgumentHelp("op's password, as a crypt hash (mkpasswd -m sha-512).", valueName: "hash"))
    var passwordHash: String?
    @Option(name: .long, help: ArgumentHelp("dhcp, or static:ADDRESS/PREFIX,gw=GATEWAY,dns=SERVER[,iface=NAME].", valueName: "spec"))
    var network: String?
    @Option(name: .long, help: ArgumentHelp("A #cloud-config file to apply at the claim (not with the three above).", valueName: "file"))
    var cloudConfig: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if cloudConfig != nil && (authorizedKeys != nil || hostname != nil || passwordHash != nil) {
            throw ValidationError("--cloud-config is the whole user-data: put the keys, host name and password in it")
        }
    }

    func run() throws {
        try reporting {
            let inventory: Inventory
            do {
                inventory = try Prober().inventory(devices: [device])
            } catch {
                throw Failure.needingRoot(error) ?? Failure(description: "\(error)", code: 2)
            }
            let payload = try makePayload()
            let disk = inventory.disks[0]
            let policy = Policy.random()
            let refusals = Roles.enableRefusals(for: disk, policy: policy)
            guard refusals.isEmpty else {
                throw Failure(description: "not enabling \(disk.path): " + refusals.sentence)
            }
            if disk.header.magic.isExact && payload == nil {
                finish(disk.path, already: true)
                return
            }
            if let why = Roles.enableNeedsForce(for: disk), !force {
                throw Failure(description: "not enabling \(disk.path): \(why); if that data is to go, run it again with --force")
            }
            Console.error("\(disk.path): \(Bytes(disk.size))" + (disk.model.map { ", \($0)" } ?? ""))
            Console.error("  now holds: " + Describe.contents(of: disk.filesystem, table: disk.partitionTable?.type, partitions: disk.partitions))
            if let payload { Console.error("  configured at its claim: " + payload.summary) }
            Console.error("Everything on \(disk.path) will be ERASED at the next boot, when Lightwhale claims it for persistence.")
            if !yes {
                Console.error("Type the device name (\(disk.path)) to confirm: ", terminator: false)
                let answer = Console.readLine()?.trimmingSpaces() ?? ""
                guard answer == disk.path || "/dev/" + answer == disk.path else {
                    throw Failure(description: "not confirmed; nothing written")
                }
            }
            try Enabler.writeLicence(to: disk.path, payload: payload?.bytes)
            finish(disk.path, already: false, configuration: payload?.summary)
        }
    }

    func finish(_ path: String, already: Bool, configuration: String? = nil) {
        let sentence = already
            ? "\(path) already carries the magic header; it will be claimed at the next boot"
            : "\(path) now carries the magic header\(configuration == nil ? "" : " and its configuration"); reboot (or run `lwctl claim`) to claim it for persistence"
        if output.json {
            var object = ["device": path, "result": already ? "already-enabled" : "enabled", "message": sentence]
            if let configuration { object["configuration"] = configuration }
            try? Console.json(object)
        } else {
            Console.out(sentence)
        }
    }

    /// The opt-in's seed from the options, read back as the boot will read it; nil without options.
    func makePayload() throws -> (bytes: SeedPayload, summary: String)? {
        var config = OptInConfig()
        var said: [String] = []
        if let file = authorizedKeys {
            guard let bytes = LiveSystem.read(file) else { throw Failure(description: "cannot read \(file)", code: Failure.usageCode) }
            config.authorizedKeys = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { String($0).trimmingSpaces() }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            guard !config.authorizedKeys.isEmpty else { throw Failure(description: "\(file) holds no key", code: Failure.usageCode) }
            said.append("\(config.authorizedKeys.count) SSH key(s) for op")
        }
        config.hostname = hostname
        if let hostname { said.append("host name \(hostname)") }
        config.passwordHash = passwordHash
        if passwordHash != nil { said.append("op's password (a hash)") }
        if let network {
            do { config.network = try OptInConfig.network(network) } catch { throw Failure(description: "--network: \(error.reason)", code: Failure.usageCode) }
            said.append("network \(network)")
        }
        var userData: String?
        if let file = cloudConfig {
            guard let bytes = LiveSystem.read(file) else { throw Failure(description: "cannot read \(file)", code: Failure.usageCode) }
            userData = String(decoding: bytes, as: UTF8.self)
            said.append("the cloud-config \(file)")
        } else if let data = config.userData {
            userData = "#cloud-config\n" + String(decoding: try ReportFile.encode(data), as: UTF8.self) + "\n"
        }
        let networkConfig = try config.networkFile.map { String(decoding: try ReportFile.encode($0), as: UTF8.self) + "\n" }
        guard userData != nil || networkConfig != nil else { return nil }
        let meta = "instance-id: lwctl-enable-\(UUIDText.random().text)\n"
        let findings: [ConfigFinding]
        do {
            (_, findings) = try NoCloud.read(.init(metaData: meta, userData: userData, networkConfig: networkConfig))
        } catch {
            throw Failure(description: "not enabling: the configuration is refused: \(error.reason)", code: Failure.usageCode)
        }
        let refused = findings.filter { $0.kind == .refused }
        guard refused.isEmpty else {
            throw Failure(description: "not enabling: " + refused.map(\.description).joined(separator: "; "), code: Failure.usageCode)
        }
        for finding in findings { Console.error("lwctl: warning: " + finding.description.printable()) }
        let payload = SeedPayload(metaData: Array(meta.utf8), userData: Array((userData ?? "").utf8), networkConfig: Array((networkConfig ?? "").utf8))
        guard payload.encoded() != nil else {
            throw Failure(description: "not enabling: the configuration is over \(SeedPayload.maxBody) bytes", code: Failure.usageCode)
        }
        return (payload, said.joined(separator: ", "))
    }
}
