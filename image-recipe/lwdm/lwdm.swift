// lwdm NAME FILE DATA_BLOCKS HASH ROOT_HASH SALT [NAME FILE ...]: maps each FILE (a file system
// image with its dm-verity hash tree appended, as `veritysetup format --no-superblock
// --hash-offset=SIZE` makes it; 4 KiB blocks) through a read-only loop device and dm-verity as
// the device NAME, checked against ROOT_HASH, and prints "NAME /dev/dm-N", a line each
// (devtmpfs makes the node; nothing here makes /dev/mapper's names). Each block is checked the
// first time it is read (check_at_most_once). Nothing is set up before every argument is checked.
//
// /init maps the root with it before the root may be trusted, so it cannot come from the root.
// dmsetup and losetup would bring glibc's loader and libdevmapper into the initrd (2 MB, and
// seconds of dynamic loading under emulation), and a process per step (~60 ms each under
// emulation); Embedded Swift with musl makes one static program of 80 KB that maps both images.

let usage = "usage: lwdm NAME FILE DATA_BLOCKS HASH ROOT_HASH SALT [NAME FILE ...]"

func fail(_ message: String) -> Never {
    lwdm_warn("lwdm: " + message)
    exit(1)
}

func reason(_ errno: Int32) -> String { String(cString: strerror(errno)) }

/// A count in decimal digits only.
func number(_ text: String, _ what: String) -> UInt64 {
    var value: UInt64 = 0
    guard !text.isEmpty else { fail("\(what) is empty") }
    for byte in text.utf8 {
        guard byte >= 48, byte <= 57 else { fail("\(what) \"\(text)\" is not a number") }
        let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - 48))
        guard !overflow1, !overflow2 else { fail("\(what) \"\(text)\" is too large") }
        value = sum
    }
    return value
}

/// A table argument the kernel splits on blanks: one word of letters, digits and "-".
func word(_ text: String, _ what: String) -> String {
    guard !text.isEmpty, text.utf8.allSatisfy({ b in
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45
    }) else { fail("\(what) \"\(text)\" is not one word of letters, digits and -") }
    return text
}

/// A read-only loop device over FILE: its path.
func attachLoop(_ file: String) -> String {
    let fd = lwdm_open(file, 0)
    guard fd >= 0 else { fail("cannot open \(file): \(reason(lwdm_errno()))") }
    defer { close(fd) }
    let control = lwdm_open("/dev/loop-control", 1)
    guard control >= 0 else { fail("cannot open /dev/loop-control (is loop loaded?): \(reason(lwdm_errno()))") }
    defer { close(control) }
    // a free device can be taken before it is configured: ask again
    for _ in 0..<8 {
        let n = lwdm_ioctl(control, LWDM_LOOP_FREE, nil)
        guard n >= 0 else { fail("no free loop device: \(reason(lwdm_errno()))") }
        let path = "/dev/loop\(n)"
        let loop = lwdm_open(path, 0)
        guard loop >= 0 else { fail("cannot open \(path): \(reason(lwdm_errno()))") }
        var config = loop_config()
        lwdm_loop_config(&config, fd)
        let rc = lwdm_ioctl(loop, LWDM_LOOP_CONFIGURE, &config)
        let e = lwdm_errno()
        close(loop)
        if rc == 0 { return path }
        guard e == EBUSY else { fail("cannot set up \(path) over \(file): \(reason(e))") }
    }
    fail("every free loop device was taken before it could be set up for \(file)")
}

/// Runs one device-mapper request about the device NAME, with DATA after its header: 0 and the
/// device's minor number, or the error number.
func request(_ fd: Int32, _ command: lwdm_request, _ name: String, flags: UInt32 = 0,
             targets: UInt32 = 0, data: [UInt8] = []) -> (errno: Int32, minor: UInt32) {
    let headerSize = MemoryLayout<dm_ioctl>.size
    // the kernel writes its answer after the header: room for it
    var buffer = [UInt8](repeating: 0, count: headerSize + max(data.count, 4096))
    return buffer.withUnsafeMutableBytes { raw in
        let header = raw.baseAddress!.assumingMemoryBound(to: dm_ioctl.self)
        lwdm_header(header, UInt32(raw.count), name, flags, targets)
        for (i, byte) in data.enumerated() { raw[headerSize + i] = byte }
        guard lwdm_ioctl(fd, command, header) == 0 else { return (lwdm_errno(), 0) }
        return (0, lwdm_minor(header))
    }
}

/// A table of one target: its spec, then its arguments, NUL-terminated and padded to 8.
func table(sectors: UInt64, target: String, args: String) -> [UInt8] {
    var data = [UInt8](repeating: 0, count: MemoryLayout<dm_target_spec>.size)
    data.withUnsafeMutableBytes { raw in
        lwdm_target(raw.baseAddress!.assumingMemoryBound(to: dm_target_spec.self), 0, sectors, target)
    }
    data.append(contentsOf: Array(args.utf8))
    data.append(0)
    while data.count % 8 != 0 { data.append(0) }
    return data
}

/// Makes NAME, read-only, from TABLE: its node. A refused table (a hash that is not the image's,
/// an image too small: the kernel's log says which) leaves no device behind.
func create(_ control: Int32, _ name: String, _ table: [UInt8]) -> String {
    let created = request(control, LWDM_CREATE, name)
    guard created.errno == 0 else { fail("cannot create \(name): \(reason(created.errno))") }
    var e = request(control, LWDM_LOAD, name, flags: UInt32(DM_READONLY_FLAG), targets: 1, data: table).errno
    if e == 0 { e = request(control, LWDM_RESUME, name).errno }
    guard e == 0 else {
        _ = request(control, LWDM_REMOVE, name)
        fail("the kernel refused the verity table of \(name): \(reason(e)) (its log says why)")
    }
    return "/dev/dm-\(created.minor)"
}

struct Image {
    var name: String, file: String, blocks: UInt64, hash: String, rootHash: String, salt: String

    /// Six arguments, checked before anything is set up.
    init(_ a: ArraySlice<String>) {
        let a = Array(a)
        guard !a[0].isEmpty, a[0].utf8.count < 128, !a[0].utf8.contains(47) else {
            fail("the name \"\(a[0])\" must be 1-127 bytes without \"/\"")
        }
        name = a[0]
        file = a[1]
        blocks = number(a[2], "DATA_BLOCKS")
        guard blocks > 0, blocks < UInt64(1) << 40 else { fail("DATA_BLOCKS \(blocks) is out of range") }
        hash = word(a[3], "HASH")
        rootHash = word(a[4], "ROOT_HASH")
        salt = word(a[5], "SALT")
    }

    /// Data and hash tree on the one device, the tree right after the data's last block.
    func verityTable(loop: String) -> [UInt8] {
        table(sectors: blocks * 8, target: "verity",
              args: "1 \(loop) \(loop) 4096 4096 \(blocks) \(blocks) \(hash) \(rootHash) \(salt) 1 check_at_most_once")
    }
}

@_cdecl("main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var args: [String] = []
    for i in 1..<Int(argc) { args.append(String(cString: argv[i]!)) }
    guard !args.isEmpty, args.count % 6 == 0 else { fail(usage) }
    let images = stride(from: 0, to: args.count, by: 6).map { Image(args[$0..<$0 + 6]) }
    let control = lwdm_open("/dev/mapper/control", 1)
    guard control >= 0 else {
        fail("cannot open /dev/mapper/control (is dm_verity loaded?): \(reason(lwdm_errno()))")
    }
    for image in images {
        print(image.name + " " + create(control, image.name, image.verityTable(loop: attachLoop(image.file))))
    }
    return 0
}
