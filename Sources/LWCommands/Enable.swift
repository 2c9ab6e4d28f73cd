#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PersistenceKit

struct Enable: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark a whole disk to be erased and used for persistence at the next boot.",
        discussion: """
            Writes the magic header `lightwhale-please-format-me` at byte 0 of DEVICE, as the guide's \
            `echo … | sudo dd conv=notrunc of=DEVICE` does, and nothing else: the erasing happens at the \
            next boot. Shows what is on the disk now and asks you to type its name unless --yes.

            Refuses a partition (name the whole disk), the boot medium, a mounted, swapped, held \
            (RAID/LVM/dm) or read-only disk, and disks under 64 MiB. A disk that holds Lightwhale's data \
            (a lightwhale-data file system or partition, even a damaged one) is enabled only with --force. \
            DEVICE may also be a disk image file.
            """)

    @Argument(help: ArgumentHelp("The whole disk, e.g. /dev/sdb or /dev/nvme0n1 (or an image file).", valueName: "device"))
    var device: String
    @Flag(name: .long, help: "Do not ask for confirmation.")
    var yes = false
    @Flag(name: .long, help: "Enable a disk that holds Lightwhale's data (its data is erased at the next boot).")
    var force = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let inventory: Inventory
            do {
                inventory = try Prober().inventory(devices: [device])
            } catch {
                throw Failure.needingRoot(error) ?? Failure(description: "\(error)", code: 2)
            }
            let disk = inventory.disks[0]
            let policy = Policy.random()
            let refusals = Roles.enableRefusals(for: disk, policy: policy)
            guard refusals.isEmpty else {
                throw Failure(description: "not enabling \(disk.path): " + refusals.sentence)
            }
            if disk.header.magic.isExact {
                finish(disk.path, already: true)
                return
            }
            if let why = Roles.enableNeedsForce(for: disk), !force {
                throw Failure(description: "not enabling \(disk.path): \(why); if that data is to go, run it again with --force")
            }
            Console.error("\(disk.path): \(Bytes(disk.size))" + (disk.model.map { ", \($0)" } ?? ""))
            Console.error("  now holds: " + Describe.contents(of: disk.filesystem, table: disk.partitionTable?.type, partitions: disk.partitions))
            Console.error("Everything on \(disk.path) will be ERASED at the next boot, when Lightwhale claims it for persistence.")
            if !yes {
                Console.error("Type the device name (\(disk.path)) to confirm: ", terminator: false)
                let answer = Console.readLine()?.trimmingSpaces() ?? ""
                guard answer == disk.path || "/dev/" + answer == disk.path else {
                    throw Failure(description: "not confirmed; nothing written")
                }
            }
            try Enabler.writeLicence(to: disk.path)
            finish(disk.path, already: false)
        }
    }

    func finish(_ path: String, already: Bool) {
        let sentence = already
            ? "\(path) already carries the magic header; it will be claimed at the next boot"
            : "\(path) now carries the magic header; reboot (or run `lwctl claim`) to claim it for persistence"
        if output.json {
            try? Console.json(["device": path, "result": already ? "already-enabled" : "enabled", "message": sentence])
        } else {
            Console.out(sentence)
        }
    }
}
