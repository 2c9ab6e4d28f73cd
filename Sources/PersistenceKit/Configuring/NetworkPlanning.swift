#if canImport(Glibc)
import Glibc
#endif
import Provisioning

/// The network of this boot, chosen: the `ip=` boot parameters, else
/// /etc/lightwhale/network.yaml, else none (S40network then asks DHCP on every wired interface).
public struct NetworkChoice: Sendable {
    public var source: String
    /// nil: no usable configuration, DHCP everywhere.
    public var config: NetworkConfig?
    public var report: ConfigReport
}

extension Configurator {
    /// What S40network applies; absent, it asks DHCP on every wired interface.
    public static let networkPlanPath = "/run/lightwhale/network.plan"

    /// The choice for `commandLine` (the text of /proc/cmdline); nil when nothing configures the network.
    public func network(commandLine: String) -> NetworkChoice? {
        if let (config, _, findings) = KernelCommandLine.network(commandLine) {
            let source = "the boot parameter ip="
            guard let config else {
                return NetworkChoice(source: source, config: nil, report: ConfigReport(
                    source: source, state: .refused, findings: findings, error: "no ip= could be used; DHCP on every wired interface"))
            }
            return NetworkChoice(source: source, config: config, report: ConfigReport(source: source, state: .applied, applied: config.summary, findings: findings))
        }
        let file = path(ConfigPlanner.networkPath)
        guard Directory.exists(file) else { return nil }
        let source = ConfigPlanner.networkPath
        guard let text = TextFile.read(file) else {
            return NetworkChoice(source: source, config: nil, report: ConfigReport(source: source, state: .refused, error: "cannot be read; DHCP on every wired interface"))
        }
        return Self.choice(reading: text, from: source)
    }

    /// A network-config file's text, read: its configuration, or its refusal.
    public static func choice(reading text: String, from source: String) -> NetworkChoice {
        do {
            let (config, findings) = try Netplan.read(text)
            return NetworkChoice(source: source, config: config, report: ConfigReport(source: source, state: .applied, applied: config.summary, findings: findings))
        } catch {
            return NetworkChoice(source: source, config: nil, report: ConfigReport(
                source: source, state: .refused, error: error.reason + "; DHCP on every wired interface"))
        }
    }

    /// Writes the plan for S40network, or removes an old one when there is nothing to apply.
    public func writePlan(_ choice: NetworkChoice?) throws {
        let target = path(Self.networkPlanPath)
        guard let choice, let config = choice.config else {
            if Directory.exists(target) { try retrying("remove", target) { unlink(target) } }
            return
        }
        try write(FileWrite(path: Self.networkPlanPath, bytes: Array(config.plan(source: choice.source).utf8), mode: 0o644))
    }
}
