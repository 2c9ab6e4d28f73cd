#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PersistenceKit

struct Configure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a cloud-init NoCloud seed (runs at boot when one is attached).",
        discussion: """
            A seed is a volume labelled cidata (ISO 9660 or FAT) with meta-data (its instance-id) and \
            user-data (#cloud-config). At boot `lwctl claim` applies the first one attached, after \
            mounting persistence, so with a data disk it is applied once: the instance-id is recorded in \
            /etc/lightwhale/instance-id. Applied: hostname, fqdn, ssh_authorized_keys (op's), users \
            (name, groups, sudo, ssh_authorized_keys, passwd, lock_passwd, shell), chpasswd (crypt \
            hashes), ssh_pwauth, write_files (under /etc, /home, /var/www; text or base64) and runcmd \
            (run at the end of the boot). Keys for op lock op's password and turn password logins over \
            SSH off, unless ssh_pwauth or a password says otherwise. Every other key, and every value \
            refused, is reported, never fatal. The report: /run/lightwhale/config.json, `lwctl status`.

            Exit status: 0 when applied or applied before; 1 when refused or failed; 2 on bad arguments.
            """)

    @OptionGroup var rootOptions: RootOptions
    @Option(name: .long, help: ArgumentHelp("A directory holding meta-data and user-data.", valueName: "dir"))
    var seed: String?
    @Option(name: .long, help: ArgumentHelp("A block device (or image file) with a cidata volume.", valueName: "path"))
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
            if dryRun {
                for line in report.lines { log("config: (dry run) " + line) }
            } else {
                Self.record(report, configurator: configurator, log: log)
            }
            if output.json { try Console.json(report) }
            if report.state == .refused || report.state == .failed { throw ExitCode(1) }
        }
    }

    /// Claim's call at boot: the seed applied, its lines in the boot log, the report saved.
    static func apply(device: String, root: String, log: @escaping (String) -> Void) {
        let configurator = Configurator(root: root, log: log)
        record(configurator.apply(device: device), configurator: configurator, log: log)
    }

    /// Claim's call when the boot may not take a seed: why, in the log and the report.
    static func refuse(device: String, root: String, log: @escaping (String) -> Void, because reason: String) {
        record(ConfigReport(source: device, state: .refused, error: reason), configurator: Configurator(root: root, log: log), log: log)
    }

    static func record(_ report: ConfigReport, configurator: Configurator, log: (String) -> Void) {
        for line in report.lines { log("config: " + line) }
        configurator.save(report)
    }
}
