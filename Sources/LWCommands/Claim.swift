#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PersistenceKit

struct Claim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find, claim and mount the persistence device (runs early at every boot).",
        discussion: """
            Decides from what is attached, logs each decision and its reason to stderr, applies it, and \
            saves a report in <root>/run/lightwhale/claim.json for `lwctl status`.

            Writes only: a whole disk with the exact magic header at byte 0 (erased: GPT, one partition \
            `lightwhale-data`, ext4), or a GPT partition named `lightwhale-please-format-me` (that partition \
            only). Never writes the boot medium, a mounted, swapped, held (RAID/LVM/dm) or read-only \
            device. An existing `lightwhale-data` file system is checked (e2fsck -p, its progress logged, \
            stopped after --check-limit) and mounted, never reformatted. If that fails, the boot is \
            degraded: a tmpfs, with the data file system's /etc and /home read-only beneath it when it \
            can still be read, else with password logins over SSH refused. Two data file systems, or a \
            damaged one (a partition named lightwhale-data without it), degrade the boot the same way. \
            Any other failure mounts a tmpfs instead (volatile), so the system still boots.

            Exit status: 0 when the system ends up persistent or on the tmpfs fallback; 1 when even the \
            fallback failed; 2 on bad arguments, unreadable devices, or when run without root where root \
            is needed (to mount, or to read the disks).
            """)

    @OptionGroup var rootOptions: RootOptions
    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp("Consider only these disks (block devices or image files) instead of every block device.", valueName: "path"))
    var devices: [String] = []
    @Flag(name: .long, help: "Show what would be done; write and mount nothing.")
    var dryRun = false
    @Flag(name: .long, help: "Claim and format, but neither mount nor overlay (to prepare a disk or an image file).")
    var noMount = false
    @Option(
        name: .long,
        help: ArgumentHelp("Stop e2fsck after this many seconds and boot degraded instead (the data disk read-only).", valueName: "seconds"))
    var checkLimit: Double = SystemExecutor.defaultCheckLimit
    @Option(
        name: .long,
        help: ArgumentHelp(
            "While no persistence device is found at all, look again for up to this many seconds (a USB disk that appears late); the boot parameter lightwhale.wait=SECONDS sets it.",
            valueName: "seconds"))
    var wait: Double = 0
    @OptionGroup var output: OutputOptions
    /// Test hook (hidden): the kernel command line to read boot parameters from.
    @Option(name: .long, help: .hidden)
    var commandLine = "/proc/cmdline"
    /// Test hook (hidden): stop dead after this step, as a power cut would, with no cleanup.
    @Option(name: .long, help: .hidden, transform: Claim.stepAction)
    var faultAfter: Step.Action?

    func validate() throws {
        guard checkLimit > 0, checkLimit.isFinite else {
            throw ValidationError("--check-limit takes a number of seconds above 0, not \(checkLimit)")
        }
        guard wait >= 0, wait.isFinite else {
            throw ValidationError("--wait takes a number of seconds, 0 or more, not \(wait)")
        }
    }

    func run() throws {
        try reporting {
            if !dryRun && !noMount && geteuid() != 0 {
                throw Failure.needsRoot(because: "it mounts file systems; --dry-run and --no-mount do not")
            }
            let policy = Policy.random(root: rootOptions.absoluteRoot, mount: !noMount)
            // One line of the boot log per message: a disk's text (a label, e2fsck's file names)
            // cannot forge another.
            let log: (String) -> Void = { Console.error("lwctl: " + $0.printable()) }
            let fault = faultAfter
            let pipeline = ClaimPipeline.live(
                devices: devices.isEmpty ? nil : devices, dryRun: dryRun, policy: policy, log: log, checkLimit: checkLimit, wait: wait,
                afterStep: { step in
                    if step.action == fault {
                        Console.error("lwctl: fault injected after \(step.action)")
                        _exit(75)
                    }
                })
            let report: ClaimReport
            do {
                report = try pipeline.run(policy: policy)
            } catch {
                // Only the probe throws: the devices asked for could not be read; nothing was written.
                throw Failure.needingRoot(error) ?? Failure(description: "\(error)", code: 2)
            }
            if output.json { try Console.json(report) }
            Console.error("lwctl: \(report.mode.rawValue)" + (report.dataDevice.map { " on \($0)" } ?? ""))
            // The opt-in's payload, a NoCloud seed seen by the probe and the boot parameters, into
            // the /etc and /home just mounted; then the network's plan.
            if !dryRun && !noMount {
                // the disk the claim mounted: only a persistent boot writes its /etc
                let dataDisk = report.mode == .persistent ? report.dataDevice.flatMap(LiveSystem.wholeDisk) : nil
                Configure.atBoot(
                    seeds: report.seeds ?? [], dataDisk: dataDisk, degraded: report.mode == .degraded, commandLine: commandLine,
                    root: rootOptions.absoluteRoot, log: log)
            }
            if !report.ok { throw ExitCode(1) }
            if !dryRun && !noMount {
                // The banner's mode as `lwctl status --brief` says it now: S90motd then starts no
                // lwctl of its own at boot (~0.5 s of CPU under emulation, while sshd and Docker
                // start). Only a claim that succeeded: /init falls back after one that did not.
                let mode = LiveSystem.status(policy: policy).mode.rawValue
                do { try LiveSystem.write(policy.modePath, Array((mode + "\n").utf8)) } catch {
                    log("warning: could not write \(policy.modePath): \(error)")
                }
            }
        }
    }

    static func stepAction(_ word: String) throws -> Step.Action {
        guard let action = Step.Action(rawValue: word) else {
            let names = Step.Action.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("'\(word)' is not a step; the steps are: \(names)")
        }
        return action
    }
}
