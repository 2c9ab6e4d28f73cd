#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PersistenceKit
import Provisioning

struct Network: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show this boot's wired network configuration, or check a network-config file.",
        discussion: """
            The wired network comes from, in this order: the ip= boot parameters (the kernel's \
            ip=ADDRESS::GATEWAY:NETMASK:HOSTNAME:DEVICE:off:DNS0:DNS1:NTP0, ip=dhcp, ip=off, \
            ip=DEVICE:dhcp), held for that boot; /etc/lightwhale/network.yaml, cloud-init's \
            network-config version 2 (netplan's format: ethernets and vlans with match, set-name, \
            addresses, routes, gateway4/6, nameservers, dhcp4, mtu), which persists with /etc and \
            which a NoCloud seed's network-config is written to; else DHCP on every wired interface. \
            With a configuration, only the interfaces it names are configured. IPv6 router \
            advertisements (SLAAC) are taken on every interface.

            After editing /etc/lightwhale/network.yaml: `sudo lwctl network --check /etc/lightwhale/network.yaml`, \
            then `sudo /etc/init.d/S40network restart` (it runs `lwctl network --write-plan`).

            Exit status: 0 when the configuration can be used (or none is given); 1 when it is refused; 2 on bad arguments.
            """)

    @OptionGroup var rootOptions: RootOptions
    @Option(name: .long, help: ArgumentHelp("Read this network-config file instead, and only check it.", valueName: "file"))
    var check: String?
    @Flag(name: .long, help: "Write /run/lightwhale/network.plan, the steps S40network applies (root).")
    var writePlan = false
    @Option(name: .long, help: .hidden)
    var commandLine = "/proc/cmdline"
    @OptionGroup var output: OutputOptions

    /// `--json`'s object.
    struct Output: Encodable {
        var source: String
        var state: ConfigReport.State?
        var config: NetworkConfig?
        var findings: [ConfigFinding]
        var error: String?
    }

    func validate() throws {
        if check != nil && writePlan { throw ValidationError("--check only reads: give it without --write-plan") }
    }

    func run() throws {
        try reporting {
            if writePlan && geteuid() != 0 { throw Failure.needsRoot(because: "it writes \(Configurator.networkPlanPath)") }
            let configurator = Configurator(root: rootOptions.absoluteRoot, log: { Console.error("lwctl: " + $0.printable()) })
            let file = check ?? Paths.join(rootOptions.absoluteRoot, ConfigPlanner.networkPath)
            if geteuid() != 0 && access(file, F_OK) == 0 && access(file, R_OK) != 0 {
                throw Failure.needsRoot(because: "\(check ?? ConfigPlanner.networkPath) is root's only")
            }
            let choice: NetworkChoice?
            if let check {
                guard let bytes = LiveSystem.read(check) else { throw Failure(description: "cannot read \(check)", code: Failure.usageCode) }
                choice = Configurator.choice(reading: String(decoding: bytes, as: UTF8.self), from: check)
            } else {
                let parameters = LiveSystem.read(commandLine).map { String(decoding: $0, as: UTF8.self) } ?? ""
                choice = configurator.network(commandLine: parameters)
                if writePlan { try configurator.writePlan(choice) }
            }
            let report = choice?.report
            if output.json {
                try Console.json(Output(
                    source: choice?.source ?? "none: DHCP on every wired interface", state: report?.state, config: choice?.config,
                    findings: report?.findings ?? [], error: report?.error))
            } else if let report {
                let head = report.state == .refused ? "\(report.source): refused: \(report.error ?? "?")" : "\(report.source):"
                Console.out(([head] + report.applied.map { "  " + $0 } + report.findings.map { "  " + $0.description }).map { $0.printable() }.joined(separator: "\n"))
            } else {
                Console.out("no network configuration: DHCP on every wired interface")
            }
            if report?.state == .refused { throw ExitCode(1) }
        }
    }
}
