import ArgumentParser
import PersistenceKit

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether this system is persistent, on which device, and why.",
        discussion: "Reads the mount table, the data file system's usage and the last claim's report. Writes nothing.")

    @OptionGroup var rootOptions: RootOptions
    @OptionGroup var output: OutputOptions

    struct Payload: Codable {
        struct Overlay: Codable {
            var path: String
            var active: Bool
        }

        var mode: String
        var reason: String
        var dataDevice: String?
        var filesystem: String?
        var mountPoint: String
        var size: UInt64?
        var used: UInt64?
        var free: UInt64?
        var overlays: [Overlay]
        var dockerDataRoot: String?
        var lastClaim: ClaimReport?
    }

    func run() throws {
        try reporting {
            let payload = gather()
            if output.json {
                try Console.json(payload)
            } else {
                Console.out(render(payload))
            }
        }
    }

    func gather() -> Payload {
        let policy = Policy.random(root: rootOptions.absoluteRoot)
        let mounts = LiveSystem.mounts()
        let data = mounts.last { $0.mountPoint == policy.dataMountPoint }
        let report = LiveSystem.read(policy.reportPath).flatMap { try? Console.decode(ClaimReport.self, from: $0) }
        let overlayTargets = Set(mounts.filter { $0.type == "overlay" }.map(\.mountPoint))
        let usage = data == nil ? nil : LiveSystem.usage(of: policy.dataMountPoint)
        let mode: String
        var reason: String
        switch data?.type {
        case nil:
            mode = "unset"
            reason = "nothing is mounted at \(policy.dataMountPoint): `lwctl claim` has not run this boot"
        case "tmpfs":
            mode = "volatile"
            reason = "volatile: " + (report?.fallback ?? "no persistence device")
                + "; changes are lost at reboot. To enable persistence, run `lwctl enable /dev/sdX` (whole disk, erased at the next boot) and reboot"
        default:
            mode = "persistent"
            reason = "persistent: \(data!.source) is mounted at \(policy.dataMountPoint)"
        }
        if mode == "volatile", let decision = report?.decision, report?.fallback == nil {
            reason = decision + "; changes are lost at reboot. To enable persistence, run `lwctl enable /dev/sdX` and reboot"
        }
        return Payload(
            mode: mode, reason: reason, dataDevice: data?.type == "tmpfs" ? nil : data?.source, filesystem: data?.type,
            mountPoint: policy.dataMountPoint, size: usage?.size, used: usage.map { $0.size - $0.free }, free: usage?.free,
            overlays: policy.overlays.map { .init(path: $0.target, active: overlayTargets.contains($0.target)) },
            dockerDataRoot: dockerDataRoot(policy: policy), lastClaim: report)
    }

    /// Docker's configured data-root, from daemon.json (the image sets it to the data file system).
    func dockerDataRoot(policy: Policy) -> String? {
        struct Daemon: Decodable {
            var dataRoot: String?
            enum CodingKeys: String, CodingKey { case dataRoot = "data-root" }
        }
        guard let bytes = LiveSystem.read(Paths.join(policy.root, "etc/docker/daemon.json")) else { return nil }
        return (try? Console.decode(Daemon.self, from: bytes))?.dataRoot
    }

    func render(_ p: Payload) -> String {
        var lines = ["Lightwhale is \(p.mode)", "  why:        \(p.reason)"]
        if let d = p.dataDevice { lines.append("  device:     \(d) (\(p.filesystem ?? "?"))") }
        if let size = p.size, let used = p.used, let free = p.free {
            lines.append("  mounted at: \(p.mountPoint): \(Bytes(size)), \(Bytes(used)) used, \(Bytes(free)) free")
        }
        lines.append("  overlays:   " + p.overlays.map { "\($0.path) \($0.active ? "active" : "MISSING")" }.joined(separator: ", "))
        if let d = p.dockerDataRoot { lines.append("  docker:     data-root \(d)") }
        if let r = p.lastClaim {
            lines.append("last claim: \(r.decision)")
            for s in r.steps { lines.append("  \(s.result): \(s.summary)" + (s.error.map { " (\($0))" } ?? "")) }
            for s in r.skipped { lines.append("  skipped \(s.device): \(s.reason)") }
        } else {
            lines.append("last claim: no report")
        }
        return lines.joined(separator: "\n")
    }
}
