#if canImport(Glibc)
import Glibc
#endif
import CBlkid
import Updating

/// Booting a staged version from the running kernel: its kernel and initrd loaded, then
/// jumped to. Only the boot medium's /init does this, with the data disk unmounted between.
public enum Kexec {
    public static func load(directory: String, version: String) throws {
        let kernel = try DeviceFile(directory + "/boot/vmlinuz")
        let initrd = try DeviceFile(directory + "/boot/initrd.img")
        let current = TextFile.read("/proc/cmdline") ?? ""
        let line = UpdateBoot.commandLine(current, version: version)
        try retrying("kexec_file_load", directory + "/boot/vmlinuz") { Int32(lw_kexec_file_load(kernel.fd, initrd.fd, line)) }
    }

    /// Returns only when it failed.
    public static func exec() throws {
        try retrying("reboot into the loaded kernel", "kexec") { Int32(lw_reboot_kexec()) }
    }
}
