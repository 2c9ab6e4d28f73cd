#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PersistenceKit

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every disk with its size, model and role (boot, data, damaged data, pending claim, other).",
        discussion: "Reads a few KiB of each disk (its first sector, partition table and signatures). Writes nothing.")

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp("List only these disks (block devices or image files).", valueName: "path"))
    var devices: [String] = []
    @OptionGroup var output: OutputOptions

    struct Entry: Codable {
        var device: String
        var size: UInt64
        var model: String?
        var role: DeviceRole
        var magic: String
        var partitionTable: String?
        var filesystem: Filesystem?
        var partitions: [Partition]
    }

    func run() throws {
        try reporting {
            let inventory: Inventory
            do {
                inventory = try Prober().inventory(devices: devices.isEmpty ? nil : devices)
            } catch {
                throw Failure.needingRoot(error) ?? Failure(description: "\(error)", code: 2)
            }
            let policy = Policy.random()
            let entries = inventory.disks.map { d in
                Entry(
                    device: d.path, size: d.size, model: d.model, role: Roles.role(of: d, inventory: inventory, policy: policy),
                    magic: d.header.magic.text, partitionTable: d.partitionTable?.type, filesystem: d.filesystem,
                    partitions: d.partitions)
            }
            if output.json {
                try Console.json(entries)
                return
            }
            Console.out(Table.render(
                header: ["DEVICE", "SIZE", "MODEL", "ROLE", "CONTENTS"],
                rows: entries.map { e in
                    [e.device, Bytes(e.size).description, e.model ?? "-", e.role.rawValue, Describe.contents(of: e.filesystem, table: e.partitionTable, partitions: e.partitions)]
                }))
            for s in inventory.unreadable { Console.error("lwctl: \(s.device) \(s.reason)") }
            if !inventory.unreadable.isEmpty && geteuid() != 0 { Console.error("lwctl: \(Self.rootHint)") }
        }
    }

    static let rootHint = "disks are readable by root only: sudo lwctl devices"
}

enum Describe {
    static func contents(of fs: Filesystem?, table: String?, partitions: [Partition]) -> String {
        var parts: [String] = []
        if let fs { parts.append(filesystem(fs)) }
        if let table { parts.append("\(table): " + (partitions.isEmpty ? "no partitions" : partitions.map(partition).joined(separator: "; "))) }
        return parts.isEmpty ? "empty (no signature found)" : parts.joined(separator: "; ")
    }

    static func filesystem(_ fs: Filesystem) -> String {
        fs.type + (fs.label.map { " '\($0)'" } ?? "")
    }

    static func partition(_ p: Partition) -> String {
        "\(p.number) \(Bytes(p.size))" + (p.name.map { " \"\($0)\"" } ?? "") + (p.filesystem.map { " " + filesystem($0) } ?? "")
    }
}

enum Table {
    /// One line per row: each cell's own newlines are escaped first.
    static func render(header: [String], rows: [[String]]) -> String {
        let all = ([header] + rows).map { $0.map { $0.printable() } }
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(to: widths[i]) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension String {
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
