#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Backup
import PersistenceKit

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write one archive of everything this server keeps on its data disk.",
        discussion: """
            The archive (tar, zstd-compressed) holds what was written to /etc, /home and /var/www (the \
            overlays' upper layers on /mnt/lightwhale-data), Docker's volumes and every container's \
            definition (`docker inspect`, for the record); with --with-images, all of Docker's data \
            instead: images, containers, networks and volumes, so that a restored server comes back \
            with its containers, and those with a restart policy start. Staged updates are left out.

            Consistency: running containers are paused (docker pause: the cgroup freezer) from the \
            start of the copy to its end, and unpaused after, also when it fails; what the host's own \
            processes write meanwhile is copied as it is read. If lwctl is killed during the copy, \
            unpause them by hand: docker unpause $(docker ps -q --filter status=paused).

            The first member, lightwhale-backup.json, says what made the archive and what it holds; \
            the last, lightwhale-backup.sums, the size and SHA-256 of every file in it, as read: \
            `lwctl restore` checks every file against it. The file is written as FILE.part, readable by \
            root alone (it holds /etc/shadow and the SSH host keys), and renamed when complete; an \
            archive written under /home or /etc leaves itself out.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The archive to write, or - for stdout (default: lightwhale-backup-HOST-TIME.tar.zst here).", valueName: "file"))
    var output: String?
    @Flag(name: .long, help: "Include Docker's images and containers: all of its data.")
    var withImages = false
    @OptionGroup var rootOptions: RootOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() throws {
        try reporting {
            guard geteuid() == 0 else { throw Failure.needsRoot(because: "it reads every file on the data disk and pauses containers") }
            let root = rootOptions.absoluteRoot
            let created = UTCTime.now()
            let host = Console.hostname()
            let path = output.map { $0 == "-" ? "-" : Console.absolute($0) }
                ?? Console.absolute("lightwhale-backup-\(host.isEmpty ? "lightwhale" : host)-\(created.compact).tar.zst")
            if path == "-" && outputOptions.json { throw Failure(description: "--json prints on stdout, where --output - writes the archive", code: Failure.usageCode) }
            let meter = Meter(enabled: LiveSystem.isTerminal(2))
            let result: Backer.Result
            do {
                result = try Backer.backup(root: root, output: path, withImages: withImages, docker: root == "/", created: created.iso, host: host) {
                    meter.show("backup", done: $0, total: $1, seconds: $2)
                }
            } catch {
                meter.end()
                if outputOptions.json { try? Console.json(CommandRefusal(error)) }
                throw Failure(description: "no backup written: \(error)")
            }
            meter.end()
            if outputOptions.json { return try Console.json(result) }
            Console.error(
                "backed up \(result.files) files (\(Bytes(result.fileBytes))) in " + String(format1: result.seconds) + " s, "
                    + Meter.rate(result.fileBytes, result.seconds) + (result.paused.isEmpty ? "" : "; paused meanwhile: " + result.paused.joined(separator: ", ")))
            if path != "-" { Console.out("wrote \(path) (\(Bytes(result.bytes)))") }
        }
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Make a new data disk from a backup archive.",
        discussion: """
            Erases DEVICE (a whole disk) and makes it a Lightwhale data disk holding what ARCHIVE \
            (from lwctl backup; - reads stdin) holds: boot a server with it and it comes up as the \
            one backed up, its /etc, /home, /var/www, volumes (and with --with-images, its \
            containers). A prepared archive provisions new servers the same way.

            The same rules as lwctl enable: refuses a partition, the boot medium, a mounted, held or \
            read-only disk, one under 64 MiB, and without --force one that holds Lightwhale's data. \
            Shows the disk and the archive and asks you to type the disk's name unless --yes \
            (required when ARCHIVE is stdin).

            The archive's manifest is read before the disk is touched. The disk is made as the \
            claim makes one, but named lightwhale-restoring until every file is written and matches \
            the archive's checksums; only then is it renamed lightwhale-data. A truncated or \
            corrupted archive stops the restore with the reason, and what it left is ignored by \
            every boot. The archive's manifest and checksums are kept in \
            /mnt/lightwhale-data/lightwhale/restored/.
            """)

    @Argument(help: ArgumentHelp("The archive lwctl backup wrote, or - for stdin.", valueName: "archive"))
    var archive: String
    @Option(name: .long, help: ArgumentHelp("The whole disk to make the data disk, e.g. /dev/sdb.", valueName: "device"))
    var device: String
    @Flag(name: .long, help: "Do not ask for confirmation.")
    var yes = false
    @Flag(name: .long, help: "Restore onto a disk that holds Lightwhale's data (it is erased).")
    var force = false
    @OptionGroup var rootOptions: RootOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if archive == "-" && !yes { throw ValidationError("an archive on stdin leaves no way to confirm: add --yes") }
    }

    func run() throws {
        try reporting {
            guard geteuid() == 0 else { throw Failure.needsRoot(because: "it erases and writes \(device)") }
            let meter = Meter(enabled: LiveSystem.isTerminal(2) && !outputOptions.json)
            do {
                let opened = try Restorer.Archive(archive)
                let m = opened.manifest
                let result = try Restorer.restore(
                    opened, device: device, root: rootOptions.absoluteRoot, force: force,
                    confirm: { disk in
                        Console.error("\(disk.path): \(Bytes(disk.size))" + (disk.model.map { ", \($0)" } ?? ""))
                        Console.error("  now holds: " + Describe.contents(of: disk.filesystem, table: disk.partitionTable?.type, partitions: disk.partitions))
                        Console.error(
                            "  to receive: the backup of \(m.host.isEmpty ? "a server" : m.host) (Lightwhale \(m.version)) made \(m.created)"
                                + (m.withImages ? ", with Docker's images" : ""))
                        Console.error("Everything on \(disk.path) will be ERASED now.")
                        if !yes {
                            Console.error("Type the device name (\(disk.path)) to confirm: ", terminator: false)
                            let answer = Console.readLine()?.trimmingSpaces() ?? ""
                            guard answer == disk.path || "/dev/" + answer == disk.path else { throw Failure(description: "not confirmed; nothing written") }
                        }
                    },
                    progress: { meter.show("restore", done: $0, total: $1 ?? 0, seconds: $2) })
                meter.end()
                if outputOptions.json { return try Console.json(result) }
                Console.out(
                    "restored \(result.files) files (\(Bytes(result.fileBytes))) onto \(result.partition) in " + String(format1: result.seconds)
                        + " s, " + Meter.rate(result.fileBytes, result.seconds) + ", every one checked: boot with \(result.device) attached to use it")
            } catch let e as Failure {
                meter.end()
                throw e
            } catch {
                meter.end()
                if outputOptions.json { try? Console.json(CommandRefusal(error)) }
                throw Failure(description: "not restored: \(error)")
            }
        }
    }
}
