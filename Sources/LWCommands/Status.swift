import ArgumentParser
import PersistenceKit
import Updating

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether this system is persistent, on which device, and why.",
        discussion: "Reads the mount table, the data file system's usage and the last claim's report. Writes nothing.")

    @OptionGroup var rootOptions: RootOptions
    @OptionGroup var output: OutputOptions
    @Flag(name: .long, help: "Print only the mode (persistent, volatile, degraded or unset) on one line, for the login banner.")
    var brief = false

    func validate() throws {
        if brief && output.json { throw ValidationError("--brief and --json print different things; choose one") }
    }

    /// The JSON contract of `lwctl status --json`.
    struct Payload: Codable {
        var mode: String
        var reason: String
        /// `SystemStatus.Reason.code`: the reason's stable name.
        var reasonCode: String
        var dataDevice: String?
        var filesystem: String?
        var mountPoint: String
        var size: UInt64?
        var used: UInt64?
        /// Bytes left to users other than root (statvfs's f_bavail).
        var free: UInt64?
        /// `SystemStatus.Usage.isFull`: under 1% of the size or 64 MiB, whichever is smaller.
        var full: Bool?
        var overlays: [SystemStatus.Overlay]
        var dockerDataRoot: String?
        var lastClaim: ClaimReport?
        /// Things to act on that leave the mode as it is (`code`: a stable name, e.g. `data-full`).
        var warnings: [Warning]
        /// What this boot did with a NoCloud seed and the boot parameters (`lwctl configure`).
        var configuration: [ConfigReport]?
        /// The running version (/usr/lib/lightwhale/release), and the one `lwctl update` staged.
        var version: String?
        var staged: String?
        var stagedStamp: String?
        /// The version booted by default (it marked itself good), and the way back from it.
        var good: String?
        var previous: String?
        /// The last version abandoned (by its boot, or by --rollback), and why.
        var failed: UpdateState.Failure?

        struct Warning: Codable {
            var code: String
            var message: String
        }

        init(_ s: SystemStatus) {
            mode = s.mode.rawValue
            reason = s.reason.description
            reasonCode = s.reason.code
            dataDevice = s.dataDevice
            filesystem = s.filesystem
            mountPoint = s.mountPoint
            size = s.usage?.size
            used = s.usage?.used
            free = s.usage?.free
            full = s.usage?.isFull
            overlays = s.overlays
            dockerDataRoot = s.dockerDataRoot
            lastClaim = s.lastClaim
            warnings = s.warnings.map { Warning(code: $0.code, message: $0.description) }
        }
    }

    func run() throws {
        try reporting {
            let policy = Policy.random(root: rootOptions.absoluteRoot)
            let status = LiveSystem.status(policy: policy)
            let config = Configurator.load(root: rootOptions.absoluteRoot)
            let version = Stager.runningVersion(root: rootOptions.absoluteRoot)
            let updates = status.mode == .persistent ? Stager.state(policy: policy) : nil
            if brief {
                Console.out(status.mode.rawValue)
            } else if output.json {
                var payload = Payload(status)
                payload.configuration = config.isEmpty ? nil : config
                payload.version = version
                payload.staged = updates?.staged
                payload.stagedStamp = updates?.stagedStamp
                payload.good = updates?.good
                payload.previous = updates?.previous
                payload.failed = updates?.failed
                try Console.json(payload)
            } else {
                var versions = version.map { "version: \($0)" } ?? "version: unknown"
                if let v = updates?.staged { versions += ", staged: \(v) (lwctl update)" }
                if let v = updates?.good { versions += ", good: \(v)" + (updates?.previous.map { " (before it: \($0))" } ?? "") }
                if let f = updates?.failed { versions += "\n  abandoned:  \(f.version): \(f.reason)" }
                Console.out(([Self.render(status), versions.printable(keepingNewlines: true)] + config.map { "configuration: " + $0.lines.map { $0.printable() }.joined(separator: "\n") }).joined(separator: "\n"))
            }
        }
    }

    static func render(_ s: SystemStatus) -> String {
        var lines = ["Lightwhale is \(s.mode.rawValue)", "  why:        \(s.reason)"]
        if let d = s.dataDevice { lines.append("  device:     \(d) (\(s.filesystem ?? "?"))") }
        if let u = s.usage {
            lines.append("  mounted at: \(s.mountPoint): \(Bytes(u.size)), \(Bytes(u.used)) used, \(Bytes(u.free)) free" + (u.isFull ? " (FULL)" : ""))
        }
        for w in s.warnings { lines.append("  WARNING:    \(w)") }
        lines.append("  overlays:   " + s.overlays.map { "\($0.path) \($0.active ? "active" : "MISSING")" }.joined(separator: ", "))
        if let d = s.dockerDataRoot { lines.append("  docker:     data-root \(d)") }
        if let r = s.lastClaim {
            lines.append("last claim: \(r.decision)")
            for step in r.steps { lines.append("  \(step.result): \(step.summary)" + (step.error.map { " (\($0))" } ?? "")) }
            for skip in r.skipped { lines.append("  skipped \(skip.device): \(skip.reason)") }
        } else {
            lines.append("last claim: no report")
        }
        return lines.map { $0.printable() }.joined(separator: "\n")
    }
}
