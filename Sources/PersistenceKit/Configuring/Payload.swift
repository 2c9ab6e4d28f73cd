#if canImport(Glibc)
import Glibc
#endif
import Provisioning

extension Configurator {
    /// The opt-in's payload on the data disk (`lwctl enable --hostname ...`), applied as a seed
    /// (once per instance-id) and then erased, for it holds password hashes. One that fails to
    /// apply stays, and is tried again at the next boot; a damaged one is reported and erased.
    public func applyPayload(disk: String) -> ConfigReport? {
        let source = "the opt-in's payload on \(disk)"
        let report: ConfigReport
        do {
            switch try Enabler.readPayload(from: disk) {
            case .absent: return nil
            case .damaged(let why):
                report = ConfigReport(source: source, state: .refused, error: "it is damaged: \(why)")
            case .payload(let p):
                func text(_ b: [UInt8]) -> String? { b.isEmpty ? nil : String(decoding: b, as: UTF8.self) }
                let seed = NoCloud.Seed(metaData: text(p.metaData) ?? "", userData: text(p.userData), networkConfig: text(p.networkConfig))
                report = apply(seed, source: source)
            }
        } catch {
            return ConfigReport(source: source, state: .failed, error: "cannot read it: \(error)")
        }
        if report.state != .failed {
            do { try Enabler.erasePayload(on: disk) } catch { log("warning: could not erase \(source): \(error)") }
        }
        return report
    }
}

extension LiveSystem {
    /// The whole disk a partition node is on (`/dev/sda1` → `/dev/sda`), from sysfs; nil for a
    /// whole disk or a device sysfs does not know.
    public static func wholeDisk(of partition: String) -> String? {
        guard let name = partition.split(separator: "/").last else { return nil }
        let link = "/sys/class/block/\(name)"
        guard Directory.exists(link + "/partition"), let real = realpath(link, nil) else { return nil }
        defer { free(real) }
        let parts = String(cString: real).split(separator: "/")
        return parts.count >= 2 ? "/dev/" + parts[parts.count - 2] : nil
    }
}
