#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PersistenceKit
import Provisioning

struct Configure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a cloud-init NoCloud seed (runs at boot when one is attached).",
        discussion: """
            A seed is a volume labelled cidata (ISO 9660 or FAT) with meta-data (its instance-id) and \
            user-data (#cloud-config). At boot `lwctl claim` applies the first one attached, after \
            mounting persistence, so with a data disk it is applied once: the instance-id is recorded in \
            /etc/lightwhale/instance-id. Applied: hostname, fqdn, ssh_authorized_keys (op's), users \
            (name, groups, sudo, ssh_authorized_keys, passwd, lock_passwd, shell), chpasswd (crypt \
            hashes), ssh_pwauth, write_files (under /etc, /home, /var/www; text or base64), ntp (servers, \
            pools, enabled: false; for chrony, in /etc/chrony/sources.d), timezone (a zone of \
            /usr/share/zoneinfo, such as Europe/Copenhagen) and runcmd (run at the end of the boot); a \
            network-config (version 2) is written to /etc/lightwhale/network.yaml (see `lwctl network`). \
            Keys for op lock op's password and turn password logins over SSH off, unless ssh_pwauth or a \
            password says otherwise. Every other key, and every value \
            refused, is reported, never fatal. The report: /run/lightwhale/config.json, `lwctl status`. \
            The boot parameters hostname=NAME and ssh_key="TYPE KEY COMMENT" are applied after a seed, at \
            every boot that has them. A degraded boot applies neither.

            Exit status: 0 when applied or applied before; 1 when refused or failed; 2 on bad arguments.
            """)

    @OptionGroup var rootOptions: RootOptions
    @Option(name: .long, help: ArgumentHelp("A directory holding meta-data and user-data.", valueName: "dir"))
    var seed: String?
    @Option(name: .long, help: ArgumentHelp("A block device holding a cidata volume (a CD: /dev/sr0).", valueName: "path"))
    var device: String?
    @Flag(name: .long, help: "Show what would be applied; write nothing.")
    var dryRun = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (seed == nil) != (device == nil) else { throw ValidationError("give one of --seed DIR or --device PATH") }
    }

    func run() throws {
        try reporting {
            if !dryRun && geteuid() != 0 { throw Failure.needsRoot(because: "it writes /etc and /home; --dry-run does not") }
            let log: (String) -> Void = { Console.error("lwctl: " + $0.printable()) }
            let configurator = Configurator(root: rootOptions.absoluteRoot, log: log)
            let report: ConfigReport
            if let seed {
                do {
                    report = configurator.apply(try Configurator.read(directory: seed), source: seed, dryRun: dryRun)
                } catch {
                    report = ConfigReport(source: seed, state: .refused, error: "\(error)")
                }
            } else {
                report = configurator.apply(device: device ?? "", dryRun: dryRun)
            }
            for line in report.lines { log("config: " + (dryRun ? "(dry run) " : "") + line) }
            // by hand after the boot: this boot's reports go on, this one last
            if !dryRun { configurator.save(Configurator.load(root: rootOptions.absoluteRoot) + [report]) }
            if output.json { try Console.json(report) }
            if report.state == .refused || report.state == .failed { throw ExitCode(1) }
        }
    }

    /// Claim's call at boot: the opt-in's payload on the data disk, the first seed, the boot
    /// parameters (`hostname=`, `ssh_key=`), then the network's plan for S40network (`ip=`, else
    /// /etc/lightwhale/network.yaml), each in the boot log, all in this boot's report. A degraded
    /// boot applies no configuration: the owner's settings are read-only or out of reach, and
    /// must not be changed behind them.
    static func atBoot(
        seeds: [String], dataDisk: String?, degraded: Bool, commandLine: String, root: String, log: @escaping (String) -> Void
    ) {
        let configurator = Configurator(root: root, log: log)
        let parameters = LiveSystem.read(commandLine).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let refusal = "not applied on a degraded boot (the data disk's /etc cannot be written); it is applied at the first boot that uses the data disk"
        var reports: [ConfigReport] = []
        // the data disk's own configuration first (lwctl enable's); a seed beside it may add to it
        if let dataDisk, let report = configurator.applyPayload(disk: dataDisk) { reports.append(report) }
        if let seed = seeds.first {
            for other in seeds.dropFirst() { log("config: \(other) is a seed too; only \(seed) is applied") }
            reports.append(degraded ? ConfigReport(source: seed, state: .refused, error: refusal) : configurator.apply(device: seed))
        }
        if degraded {
            if KernelCommandLine.config(parameters) != nil {
                reports.append(ConfigReport(source: "the boot parameters", state: .refused, error: refusal))
            }
        } else if let report = configurator.apply(commandLine: parameters) {
            reports.append(report)
        }
        // the network last: a seed may just have written its configuration; a degraded boot reads
        // the owner's read-only /etc, which changes nothing behind them
        let network = configurator.network(commandLine: parameters)
        do { try configurator.writePlan(network) } catch {
            log("network: could not write \(Configurator.networkPlanPath) (\(error)); DHCP on every wired interface")
        }
        if let network { reports.append(network.report) }
        guard !reports.isEmpty else { return }
        for line in reports.flatMap(\.lines) { log("config: " + line) }
        configurator.save(reports)
    }
}
