#if canImport(Glibc)
import Glibc
#endif

/// `lwctl enable`: writes the licence to erase a disk, exactly as the guide's `echo | dd` does,
/// after re-checking the disk is still the one the user looked at; and the opt-in's seed beside it.
public enum Enabler {
    /// The payload goes first (or an older one is cleared), then the header: a licence written
    /// now carries this payload or none, never one left from an earlier enable.
    public static func writeLicence(to path: String, payload: SeedPayload? = nil) throws {
        let file = try DeviceFile(path, writable: true)
        let sector = try file.read(at: 0, count: Int(file.sectorSize))
        guard sector.count >= MagicHeader.probeLength else {
            throw SystemError("enable", path, "it is smaller than one sector")
        }
        if let payload {
            guard let bytes = payload.encoded() else { throw SystemError("enable", path, "the configuration is over \(SeedPayload.maxBody) bytes") }
            try file.write(bytes, at: SeedPayload.offset)
        } else if SeedPayload.bodyLength(header: try file.read(at: SeedPayload.offset, count: SeedPayload.headerLength)) != .absent {
            // an older enable's payload, whole or damaged
            try erasePayload(file)
        }
        try file.sync()
        try file.write(MagicHeader.licensed(sector: sector), at: 0)
        try file.sync()
    }

    /// The payload on `disk`, if it carries one (a whole disk; a claimed one keeps it in the gap
    /// before its partition until it is applied).
    public static func readPayload(from disk: String) throws -> SeedPayload.Found {
        let file = try DeviceFile(disk)
        let header = try file.read(at: SeedPayload.offset, count: SeedPayload.headerLength)
        if let found = SeedPayload.bodyLength(header: header) { return found }
        let length = Int(SeedPayload.u32le(header, at: 8))
        return SeedPayload.decode(header + (try file.read(at: SeedPayload.offset + UInt64(SeedPayload.headerLength), count: length)))
    }

    /// Zeroes the payload (it holds password hashes), header and body.
    public static func erasePayload(on disk: String) throws {
        let file = try DeviceFile(disk, writable: true)
        try erasePayload(file)
        try file.sync()
    }

    static func erasePayload(_ file: DeviceFile) throws {
        let header = try file.read(at: SeedPayload.offset, count: SeedPayload.headerLength)
        let length = SeedPayload.bodyLength(header: header) == nil ? Int(SeedPayload.u32le(header, at: 8)) : 0
        try file.write([UInt8](repeating: 0, count: SeedPayload.headerLength + length), at: SeedPayload.offset)
    }
}
