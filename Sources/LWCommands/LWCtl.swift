import ArgumentParser
import PersistenceKit

/// `lwctl`: the persistence engine's command line. Commands parse, call PersistenceKit and render.
public struct LWCtl: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lwctl",
        abstract: "Lightwhale persistence: claim, inspect and enable the data device.",
        discussion: """
            Lightwhale is immutable: without persistence every change lives in RAM and a reboot is a \
            factory reset. Persistence is opt-in: write the magic header `lightwhale-please-format-me` \
            at byte 0 of a whole disk (`lwctl enable /dev/sdX`, or the guide's `echo … | dd`), or name a \
            GPT partition `lightwhale-please-format-me`. At the next boot `lwctl claim` erases that disk \
            (or formats that partition) into an ext4 file system labelled `lightwhale-data`, mounts it at \
            /mnt/lightwhale-data and overlays /etc, /home and /var/www on it; Docker keeps its data in \
            /mnt/lightwhale-data/docker. Nothing without the header or the name is ever written.
            """,
        subcommands: [Claim.self, Status.self, Devices.self, Enable.self])

    public init() {}
}

/// `--json` shared by every command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON object on standard output, for scripts.")
    var json = false
}

/// `--root` shared by claim and status.
struct RootOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The root file system to set up (the initramfs passes its new root).", valueName: "dir"))
    var root = "/"

    var absoluteRoot: String { root.hasPrefix("/") ? root : Paths.join(Console.currentDirectory(), root) }
}

/// Ends a command with a message and an exit status, never a stack trace.
struct Failure: Error, CustomStringConvertible {
    var description: String
    var code: Int32 = 1
}

extension ParsableCommand {
    /// Runs `body`, turning library errors into one clear line on stderr and exit status 1.
    func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as Failure {
            Console.error("lwctl: \(e.description)")
            throw ExitCode(e.code)
        } catch let e as ExitCode {
            throw e
        } catch {
            Console.error("lwctl: \(error)")
            throw ExitCode(1)
        }
    }
}
