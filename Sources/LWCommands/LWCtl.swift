#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PersistenceKit

/// `lwctl`: the persistence engine's command line. Commands parse, call PersistenceKit and render.
public struct LWCtl: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lwctl",
        abstract: "Lightwhale persistence: claim, inspect and enable the data device; update, back up and restore.",
        discussion: """
            Lightwhale is immutable: without persistence every change lives in RAM and a reboot is a \
            factory reset. Persistence is opt-in: write the magic header `lightwhale-please-format-me` \
            at byte 0 of a whole disk (`sudo lwctl enable /dev/sdX`, or the guide's `echo … | dd`), or name a \
            GPT partition `lightwhale-please-format-me`. At the next boot `lwctl claim` erases that disk \
            (or formats that partition) into an ext4 file system labelled `lightwhale-data`, mounts it at \
            /mnt/lightwhale-data and overlays /etc, /home and /var/www on it; Docker keeps its data in \
            /mnt/lightwhale-data/docker. Nothing without the header or the name is ever written.
            """,
        subcommands: [Claim.self, Status.self, Devices.self, Enable.self, Configure.self, Network.self, Update.self, BackupCommand.self, RestoreCommand.self])

    public init() {}

    /// `main`, with lwctl's exit statuses: ArgumentParser ends a usage error with 64 (EX_USAGE),
    /// lwctl documents 2 for bad arguments, as for every other way of being run wrongly.
    public static func runMain() -> Never {
        do {
            var command = try parseAsRoot()
            try command.run()
            exit()
        } catch {
            if exitCode(for: error) == .validationFailure {
                Console.error(fullMessage(for: error))
                exit(withError: ExitCode(Failure.usageCode))
            }
            exit(withError: error)
        }
    }
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

    /// Exit status 2: run the wrong way (bad arguments, devices that cannot be read, no root where
    /// root is needed), so nothing was done.
    static let usageCode: Int32 = 2

    /// The one line for a user who is not root and met a permission error: the command as typed,
    /// under sudo. Nil for anything else (root would not help).
    static func needingRoot(_ error: Error) -> Failure? {
        guard geteuid() != 0, let e = error as? SystemError, e.code == .permissionDenied || e.code == .notPermitted else {
            return nil
        }
        return needsRoot(because: "\(e)")
    }

    static func needsRoot(because why: String) -> Failure {
        let words = CommandLine.arguments.dropFirst()
        return Failure(
            description: "\(words.first ?? "lwctl") needs root (\(why)): run sudo lwctl \(words.joined(separator: " "))",
            code: usageCode)
    }
}

extension ParsableCommand {
    /// Runs `body`, turning library errors into one clear line on stderr and exit status 1.
    func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e where Failure.needingRoot(e) != nil {
            let f = Failure.needingRoot(e)!
            Console.error("lwctl: \(f.description)")
            throw ExitCode(f.code)
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
