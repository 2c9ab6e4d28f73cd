import Testing
@testable import Updating

/// The ISO reader on images laid out by hand: the real ones (xorriso's) are the privileged tests'.
@Suite("ISO 9660 reader")
struct ISO9660Tests {
    /// A directory record: extent, size, flags, ISO name, and a Rock Ridge NM entry when `rr` is given.
    static func record(extent: UInt32, size: UInt32, directory: Bool = false, id: [UInt8], rr: String? = nil, flags extra: UInt8 = 0) -> [UInt8] {
        var su: [UInt8] = []
        if let rr { su = Array("NM".utf8) + [UInt8(5 + rr.utf8.count), 1, 0] + Array(rr.utf8) }
        let pad = id.count % 2 == 0 ? 1 : 0
        var r = [UInt8](repeating: 0, count: 33)
        r[0] = UInt8(33 + id.count + pad + su.count)
        for i in 0..<4 {
            r[2 + i] = UInt8(truncatingIfNeeded: extent >> (8 * UInt32(i)))
            r[10 + i] = UInt8(truncatingIfNeeded: size >> (8 * UInt32(i)))
        }
        r[25] = (directory ? 2 : 0) | extra
        r[32] = UInt8(id.count)
        return r + id + [UInt8](repeating: 0, count: pad) + su
    }

    /// /boot/vmlinuz ("hello") at block 20, the root at 18, boot/ at 19.
    static func image(fileFlags: UInt8 = 0, rr: Bool = true, fileRecordLength: UInt8? = nil) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 21 * 2048)
        func put(_ bytes: [UInt8], at: Int) { for (i, x) in bytes.enumerated() { b[at + i] = x } }
        put([1] + Array("CD001".utf8) + [1], at: 16 * 2048)
        put([0, 8], at: 16 * 2048 + 128)
        put(record(extent: 18, size: 2048, directory: true, id: [0]), at: 16 * 2048 + 156)
        let dots = record(extent: 18, size: 2048, directory: true, id: [0]) + record(extent: 18, size: 2048, directory: true, id: [1])
        put(dots + record(extent: 19, size: 2048, directory: true, id: Array("BOOT".utf8), rr: rr ? "boot" : nil), at: 18 * 2048)
        var file = record(extent: 20, size: 5, id: Array("VMLINUZ.;1".utf8), rr: rr ? "vmlinuz" : nil, flags: fileFlags)
        if let l = fileRecordLength { file[0] = l }
        put(dots + file, at: 19 * 2048)
        put(Array("hello".utf8), at: 20 * 2048)
        return b
    }

    func open(_ b: [UInt8], size: UInt64? = nil) throws -> ISO9660 {
        try ISO9660(size: size ?? UInt64(b.count)) { offset, count in
            offset >= UInt64(b.count) ? [] : Array(b[Int(offset)..<min(b.count, Int(offset) + count)])
        }
    }

    @Test("files are found by their Rock Ridge names, else by their ISO names without the version")
    func found() throws {
        let want = ISO9660.Entry(name: "vmlinuz", offset: 20 * 2048, size: 5, isDirectory: false)
        #expect(try open(Self.image()).find("boot/vmlinuz") == want)
        #expect(try open(Self.image()).find("boot/initrd.img") == nil)
        #expect(try open(Self.image()).find("boot/vmlinuz/x") == nil)
        #expect(try open(Self.image(rr: false)).find("BOOT/VMLINUZ")?.offset == 20 * 2048)
    }

    @Test("refused as a bad image: not ISO 9660, truncated, a damaged record, a file in several extents")
    func refused() throws {
        var notISO = Self.image()
        notISO[16 * 2048 + 1] = 0
        #expect(throws: UpdateError.self) { try open(notISO) }
        #expect(throws: UpdateError.self) { try open(Self.image(), size: 20 * 2048 + 2).find("boot/vmlinuz") }
        #expect(throws: UpdateError.self) { try open(Self.image(fileRecordLength: 20)).find("boot/vmlinuz") }
        #expect(throws: UpdateError.self) { try open(Self.image(fileFlags: 0x80)).find("boot/vmlinuz") }
        do { _ = try open(Self.image(), size: 20 * 2048 + 2).find("boot/vmlinuz") } catch let e as UpdateError {
            #expect(e.code == "bad-image" && e.description.contains("truncated"), "\(e)")
        }
    }
}
