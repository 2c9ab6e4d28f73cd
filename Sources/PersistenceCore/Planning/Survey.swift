/// Sorts every disk into: a data file system to mount, a claim to make, or a skip with its reason.
struct Survey {
    var data: [DataCandidate] = []
    var claims: [Claim] = []
    var skipped: [Skip] = []
    /// Partitions named `lightwhale-data` without a readable data file system: the owner's data
    /// is there, damaged (a zeroed superblock) or overwritten.
    var damaged: [String] = []
    /// `lightwhale-data` ext4 file systems that I4 forbids using (mounted elsewhere, held, on a
    /// read-only disk, in a crafted table, …): the owner's data, which is not to be used as is.
    var protected: [(device: String, refusals: [Refusal])] = []

    /// Every device holding the owner's data in a form that cannot be used as is.
    var unusable: [String] { damaged + protected.map(\.device) }

    mutating func classify(_ disk: Disk, policy: Policy) {
        if disk.header.magic.isExact {
            classifyMagicDisk(disk, policy: policy)
            return
        }
        var used = false
        if let fs = disk.filesystem, fs.label == Policy.dataLabel, disk.partitions.isEmpty {
            used = considerData(device: disk.path, partition: nil, filesystem: fs, protections: Protection.reasons(for: disk, policy: policy))
        }
        for part in disk.partitions {
            used = classifyPartition(part, on: disk, policy: policy) || used
        }
        if !used { skipped.append(Skip(device: disk.path, reason: Self.whyNotUsed(disk, policy: policy))) }
    }

    // MARK: whole disks with the magic header

    mutating func classifyMagicDisk(_ disk: Disk, policy: Policy) {
        let protections = Protection.reasons(for: disk, policy: policy)
        guard protections.isEmpty else {
            skipped.append(Skip(device: disk.path, reason: .protectedMagicDisk(protections)))
            return
        }
        guard let layout = Layout.dataPartition(diskSize: disk.size, sectorSize: disk.logicalSectorSize, policy: policy) else {
            skipped.append(Skip(device: disk.path, reason: .tooSmallForLayout))
            return
        }
        let record = disk.header.claim
        if let record, let p1 = disk.partition(1), disk.partitions.count == 1, p1.name == Policy.dataPartitionName,
            Self.isFinished(p1.filesystem, uuid: record.filesystemUUID)
        {
            let ref = PartitionRef(disk: disk.path, number: 1, region: Region(offset: p1.start, size: p1.size))
            claims.append(
                Claim(
                    device: disk.path, dataDevice: p1.path ?? ref.displayName, partition: ref, resuming: true, wholeDisk: true,
                    decision: "finish the interrupted claim of \(disk.path): its file system \(record.filesystemUUID) is complete, only the magic header is left to remove",
                    steps: [.completeClaim(disk: disk.path)]))
            return
        }
        let ref = PartitionRef(disk: disk.path, number: 1, region: layout.region)
        let regions = [Region(offset: 0, size: disk.size)] + disk.partitions.map { Region(offset: $0.start, size: $0.size) }
        let uuid = policy.filesystemUUID
        let decision =
            record == nil
            ? "claim \(disk.path): the magic header licenses erasing it; GPT, one partition '\(Policy.dataPartitionName)', ext4"
            : "redo the interrupted claim of \(disk.path) from the start: its file system \(record!.filesystemUUID) was never finished"
        claims.append(
            Claim(
                device: disk.path, dataDevice: ref.displayName, partition: ref, resuming: record != nil, wholeDisk: true,
                decision: decision,
                steps: [
                    .recordClaim(disk: disk.path, filesystemUUID: uuid),
                    .wipeSignatures(disk: disk.path, regions: regions),
                    .writePartitionTable(disk: disk.path, layout: layout),
                    .ensurePartitionNode(partition: ref),
                    .makeFilesystem(partition: ref, label: Policy.dataLabel, uuid: uuid),
                    .verifyFilesystem(partition: ref, label: Policy.dataLabel, uuid: uuid),
                    .completeClaim(disk: disk.path),
                ]))
    }

    // MARK: partitions of disks without the magic

    /// Returns whether the partition was taken as a data file system or a claim.
    mutating func classifyPartition(_ part: Partition, on disk: Disk, policy: Policy) -> Bool {
        let ref = PartitionRef(disk: disk.path, number: part.number, region: Region(offset: part.start, size: part.size))
        let device = part.path ?? ref.displayName
        if part.name == MagicHeader.partitionName {
            let protections = Protection.reasons(for: part, on: disk, policy: policy)
            guard protections.isEmpty else {
                skipped.append(Skip(device: device, reason: .protectedNamedPartition(protections)))
                return true
            }
            if let puuid = part.uuid, Self.isFinished(part.filesystem, uuid: puuid) {
                claims.append(
                    Claim(
                        device: device, dataDevice: device, partition: ref, resuming: true, wholeDisk: false,
                        decision: "finish the interrupted claim of \(device): its file system is complete, only the rename is left",
                        steps: [.completePartitionClaim(partition: ref, name: Policy.dataPartitionName, uuid: policy.partitionUUID)]))
                return true
            }
            let uuid = policy.filesystemUUID
            claims.append(
                Claim(
                    device: device, dataDevice: device, partition: ref,
                    resuming: part.filesystem?.label == Policy.dataLabel, wholeDisk: false,
                    decision: "claim partition \(device): it is named \(MagicHeader.partitionName); only it is formatted, its sibling partitions are left alone",
                    steps: [
                        .markPartition(partition: ref, uuid: uuid),
                        .wipeSignatures(disk: disk.path, regions: [ref.region]),
                        .ensurePartitionNode(partition: ref),
                        .makeFilesystem(partition: ref, label: Policy.dataLabel, uuid: uuid),
                        .verifyFilesystem(partition: ref, label: Policy.dataLabel, uuid: uuid),
                        .completePartitionClaim(partition: ref, name: Policy.dataPartitionName, uuid: policy.partitionUUID),
                    ]))
            return true
        }
        if let fs = part.filesystem, fs.label == Policy.dataLabel {
            return considerData(device: device, partition: ref, filesystem: fs, protections: Protection.reasons(for: part, on: disk, policy: policy))
        }
        if part.name == Policy.dataPartitionName {
            damaged.append(device)
            skipped.append(Skip(device: device, reason: .damagedData(type: part.filesystem?.type)))
            return true
        }
        if case .nearMiss(let why) = part.header.magic {
            skipped.append(Skip(device: device, reason: .nearMissInPartition(why, partition: part.number)))
            return true
        }
        if part.header.magic.isExact {
            skipped.append(Skip(device: device, reason: .magicInPartition(disk: disk.path)))
            return true
        }
        return false
    }

    /// `protections`: every refusal of the device; those that only forbid formatting do not
    /// stop an existing data file system from being used.
    mutating func considerData(device: String, partition: PartitionRef?, filesystem fs: Filesystem, protections: [Refusal]) -> Bool {
        let protections = protections.filter { !$0.onlyForbidsFormatting }
        if fs.type != "ext4" {
            skipped.append(Skip(device: device, reason: .dataNotExt4(type: fs.type)))
        } else if !protections.isEmpty {
            protected.append((device, protections))
            skipped.append(Skip(device: device, reason: .protectedData(protections)))
        } else {
            data.append(DataCandidate(device: device, partition: partition))
        }
        return true
    }

    /// A file system our own claim made and finished: the UUID we recorded, our label, whole.
    static func isFinished(_ fs: Filesystem?, uuid: String) -> Bool {
        guard let fs, fs.type == "ext4", fs.label == Policy.dataLabel, let ext = fs.ext else { return false }
        return fs.uuid?.lowercased() == uuid.lowercased() && ext.valid && !ext.hasErrors
    }

    static func whyNotUsed(_ disk: Disk, policy: Policy) -> SkipReason {
        if case .nearMiss(let why) = disk.header.magic { return .nearMiss(why) }
        if let label = Protection.bootLabel(of: disk) { return .bootMedium(label: label) }
        if (disk.mountPoints + disk.partitions.flatMap(\.mountPoints)).contains("/") { return .holdsRoot }
        return .noLicence
    }
}

/// Device names in the order people expect: sda < sdb < sdaa, vd2 < vd10.
public enum Naming {
    public static func naturalLess(_ a: String, _ b: String) -> Bool {
        let ka = key(a)
        let kb = key(b)
        for (x, y) in zip(ka, kb) where x != y {
            switch (x, y) {
            case (.number(let m), .number(let n)): return m < n
            case (.text(let s), .text(let t)): return s.count != t.count ? s.count < t.count : s < t
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
        return ka.count < kb.count
    }

    enum Part: Equatable {
        case text(String)
        case number(UInt64)
    }

    static func key(_ s: String) -> [Part] {
        var parts: [Part] = []
        var current = ""
        var digits = false
        for c in s {
            if c.isNumber != digits, !current.isEmpty {
                parts.append(digits ? .number(UInt64(current) ?? 0) : .text(current))
                current = ""
            }
            digits = c.isNumber
            current.append(c)
        }
        if !current.isEmpty { parts.append(digits ? .number(UInt64(current) ?? 0) : .text(current)) }
        return parts
    }
}
