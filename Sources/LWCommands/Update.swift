#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PersistenceKit
import Updating

struct Update: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stage a signed Lightwhale image on the data disk, to be booted next.",
        discussion: """
            IMAGE is a Lightwhale ISO file (as downloaded), a CD or disk holding one, or an http(s) URL \
            of one (fetched with curl onto the data disk, staged, then removed). Its manifest \
            (lightwhale/manifest.json) must be signed by the key this system was built to trust \
            (/usr/lib/lightwhale/update.pub); the kernel, initrd and root images it names are copied \
            to /mnt/lightwhale-data/lightwhale/updates/VERSION/, each checked against its signed size \
            and SHA-256 as it is copied. The boot medium is never written, so it stays the known-good \
            way back.

            Refused, with nothing written: an unsigned image, one signed by another key or altered \
            after signing, a file that does not match the manifest, a version not newer than this \
            one (unless --allow-downgrade), a system that is not persistent (volatile or degraded: \
            there is no data disk to stage on), and too little room (the files plus 64 MiB). An \
            interrupted staging is removed first; an earlier staged version once this one is \
            complete (first, when its room is needed).

            The state of updates is in /mnt/lightwhale-data/lightwhale/updates/state.json: the \
            staged version, the one being tried, the good one and the one before it, and the last \
            one abandoned and why (lwctl status shows them). --rollback makes the next boot run \
            the version before this one; --next-boot, --mark-good and --mark-bad are the boot's own steps.
            """)

    @Argument(help: ArgumentHelp("The Lightwhale ISO to stage (a file, a device holding it, or a URL).", valueName: "image"))
    var image: String?
    @Flag(name: .long, help: "Stage even if the image is not newer than the running version.")
    var allowDowngrade = false
    @Flag(name: .long, help: "Make the next boot run the version before this one (or not boot a staged one); this one is not booted again by itself.")
    var rollback = false
    @Flag(name: .long, help: "(The boot medium's /init, after the claim.) Print the version to boot, `medium` or VERSION DIRECTORY, saving it as being tried.")
    var nextBoot = false
    @Flag(name: .long, help: "(A booted version, once sshd and Docker are up.) Mark the running version good: it boots by default.")
    var markGood = false
    @Option(name: .long, help: ArgumentHelp("(A booted version whose sshd or Docker did not come up in time.) Abandon it with REASON if it is being tried, so that a reboot runs the version before it; one that came up on an earlier boot is kept (exit status 3).", valueName: "reason"))
    var markBad: String?
    @Flag(name: .long, help: "(With --next-boot.) Load the chosen version's kernel and initrd for --kexec.")
    var load = false
    @Flag(name: .long, help: "(The boot medium's /init, with the data disk unmounted.) Boot the kernel --load loaded.")
    var kexec = false
    @OptionGroup var rootOptions: RootOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        let modes = [image != nil, rollback, nextBoot, markGood, markBad != nil, kexec].filter { $0 }.count
        if modes != 1 { throw ValidationError("give an IMAGE to stage, or one of --rollback, --next-boot, --mark-good, --mark-bad, --kexec") }
        if let reason = markBad, reason.allSatisfy(\.isWhitespace) { throw ValidationError("--mark-bad needs a reason (lwctl status shows it)") }
        if load && !nextBoot { throw ValidationError("--load is for --next-boot") }
        if allowDowngrade && image == nil { throw ValidationError("--allow-downgrade is for staging an IMAGE") }
    }

    func run() throws {
        try reporting {
            guard geteuid() == 0 else { throw Failure.needsRoot(because: "it writes the data disk") }
            let root = rootOptions.absoluteRoot
            if kexec {
                try Kexec.exec()
                return
            }
            if rollback || nextBoot || markGood || markBad != nil {
                try moveState(root: root)
                return
            }
            let image = image!
            let meter = Meter(enabled: LiveSystem.isTerminal(2) && !output.json)
            let result: Stager.Result
            do {
                var file = image
                if Download.isURL(image) {
                    file = try Download.fetch(image, root: root) { meter.show("download", done: $0, total: 0, seconds: $1) }
                    meter.end()
                }
                defer { if file != image { unlink(file) } }
                result = try Stager.stage(image: file, root: root, allowDowngrade: allowDowngrade) {
                    meter.show($0, done: $1, total: $2, seconds: $3)
                }
            } catch {
                meter.end()
                if output.json { try? Console.json(CommandRefusal(error)) }
                throw Failure(description: "not staging \(image): \(error)")
            }
            meter.end()
            if output.json {
                try Console.json(result)
            } else {
                for d in result.discarded { Console.error("removed the earlier staging \(d)") }
                for path in result.hidden {
                    Console.error("note: /\(path) was changed here and \(result.version) changes it too: this system's copy hides the new one (compare, then remove yours to take it)")
                }
                Console.out(
                    "staged Lightwhale \(result.version) (running \(result.running)): \(Bytes(result.bytes)) checked and copied in "
                        + String(format1: result.seconds) + " s to \(result.directory)")
            }
        }
    }

    /// The boot side and --rollback: the state moved, and what the next boot will run.
    func moveState(root: String) throws {
        do {
            if nextBoot {
                let moved = try Stager.nextBoot(root: root)
                if load, let directory = moved.directory {
                    do {
                        try Kexec.load(directory: directory, version: moved.choice)
                    } catch {
                        try? Stager.abandon(root: root, version: moved.choice, reason: "its kernel could not be loaded: \(error)")
                        throw error
                    }
                }
                if output.json { return try Console.json(moved) }
                return Console.out(moved.directory.map { "\(moved.choice) \($0)" } ?? moved.choice)
            }
            if let reason = markBad {
                let running = Stager.runningVersion(root: root) ?? "this version"
                guard let state = try Stager.giveUp(root: root, reason: reason) else {
                    throw Failure(description: "Lightwhale \(running) is not on trial (it came up before, or it is the medium's): kept", code: 3)
                }
                if output.json { return try Console.json(state) }
                return Console.out("Lightwhale \(running) abandoned: \(reason); the next boot runs the version before it")
            }
            let state = rollback ? try Stager.rollback(root: root) : try Stager.markGood(root: root)
            if output.json { return try Console.json(state) }
            if markGood {
                let running = Stager.runningVersion(root: root)
                Console.out(
                    state.good != nil && state.good == running
                        ? "Lightwhale \(running!) is good: it boots by default" : "this version was not booted as an update: nothing to mark")
            } else {
                let next = (state.staged ?? state.good).map { "Lightwhale \($0)" } ?? "the boot medium's version"
                Console.out("the next boot runs \(next)" + (state.failed.map { "; \($0.version): \($0.reason)" } ?? ""))
            }
        } catch let e as Failure {
            throw e
        } catch {
            if output.json { try? Console.json(CommandRefusal(error)) }
            throw Failure(description: "\(error)")
        }
    }
}

/// One line on a terminal, rewritten as bytes are copied: what, how much, how fast.
final class Meter {
    let enabled: Bool
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    /// `total` 0: not known.
    func show(_ what: String, done: UInt64, total: UInt64, seconds: Double) {
        guard enabled else { return }
        let amount = total > 0 ? "\(min(done, total) >> 20) of \(total >> 20) MiB" : "\(done >> 20) MiB"
        Console.progress("\(what): \(amount), " + Self.rate(done, seconds))
        shown = true
    }

    /// "12.3 MiB/s".
    static func rate(_ bytes: UInt64, _ seconds: Double) -> String {
        String(format1: seconds > 0 ? Double(bytes) / seconds / 1_048_576 : 0) + " MiB/s"
    }

    func end() {
        if shown { Console.error("") }
        shown = false
    }
}

extension String {
    /// One decimal, without Foundation's String(format:).
    init(format1 x: Double) {
        let tenths = Int((x * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
