/// `lwctl enable`: writes the licence to erase a disk, exactly as the guide's `echo | dd` does,
/// after re-checking the disk is still the one the user looked at.
public enum Enabler {
    public static func writeLicence(to path: String) throws {
        let file = try DeviceFile(path, writable: true)
        let sector = try file.read(at: 0, count: Int(file.sectorSize))
        guard sector.count >= MagicHeader.probeLength else {
            throw SystemError("enable", path, "it is smaller than one sector")
        }
        try file.write(MagicHeader.licensed(sector: sector), at: 0)
        try file.sync()
    }
}
