#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import Updating

/// `lwsign`: the release side of `lwctl update`. Run by image-recipe/build, never on the image.
struct LWSign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lwsign",
        abstract: "Make Lightwhale's update signing key and sign an image's manifest.",
        discussion: """
            The secret key signs; its public half is baked into the image (/usr/lib/lightwhale/update.pub) \
            and is the only key that image's `lwctl update` accepts. Keep the secret key off the image \
            and out of git.
            """,
        subcommands: [KeyGen.self, PublicKey.self, Manifest.self])
}

struct KeyGen: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keygen", abstract: "Make a new secret key (mode 0600); refuses to overwrite one.")

    @Argument(help: ArgumentHelp("Where to write the secret key.", valueName: "secret-key"))
    var secret: String

    func run() throws {
        try create(secret, UpdateKey.Secret.generate().secretFile(), mode: 0o600)
    }
}

struct PublicKey: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "public", abstract: "Write the public half of a secret key.")

    @Argument(help: ArgumentHelp("The secret key.", valueName: "secret-key"))
    var secret: String
    @Argument(help: ArgumentHelp("Where to write the public key.", valueName: "public-key"))
    var output: String

    func run() throws {
        try replace(output, try loadSecret(secret).verifier.publicFile(), mode: 0o644)
    }
}

struct Manifest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hash an image tree's boot files and write its signed manifest.",
        discussion: "Writes DIR/lightwhale/manifest.json and DIR/lightwhale/manifest.sig; FILE paths are relative to DIR.")

    @Option(help: ArgumentHelp("The secret key.", valueName: "secret-key"))
    var key: String
    @Option(help: "The image's version.")
    var version: String
    @Option(help: "The build's medium stamp.")
    var stamp: String
    @Argument(help: ArgumentHelp("The image tree (what becomes the ISO).", valueName: "dir"))
    var dir: String
    @Argument(help: ArgumentHelp("The files to sign, relative to DIR.", valueName: "file"))
    var files: [String]

    func run() throws {
        let secret = try loadSecret(key)
        var entries: [UpdateManifest.File] = []
        for path in files {
            let (size, sum) = try hash(dir + "/" + path)
            entries.append(UpdateManifest.File(path: path, size: size, sha256: sum))
        }
        let manifest = UpdateManifest(version: version, stamp: stamp, files: entries)
        // Signed only what lwctl would accept.
        let bytes = manifest.encoded()
        do { _ = try UpdateManifest.parse(bytes) } catch { throw Fail("not signing: \(error)") }
        try makeDirectory(dir + "/lightwhale")
        try replace(dir + "/lightwhale/manifest.json", bytes, mode: 0o644)
        try replace(dir + "/lightwhale/manifest.sig", try ManifestSignature.sign(bytes, with: secret), mode: 0o644)
    }
}

struct Fail: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func loadSecret(_ path: String) throws -> UpdateKey.Secret {
    guard let bytes = FileManager.default.contents(atPath: path) else { throw Fail("cannot read \(path)") }
    do { return try UpdateKey.Secret(secretFile: Array(bytes)) } catch { throw Fail("\(path): \(error)") }
}

func hash(_ path: String) throws -> (UInt64, String) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw Fail("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var digest = FileDigest()
    var size: UInt64 = 0
    var buffer = [UInt8](repeating: 0, count: 4 << 20)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw Fail("cannot read \(path): \(String(cString: strerror(errno)))") }
        if n == 0 { break }
        buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        size += UInt64(n)
    }
    return (size, digest.hex())
}

func makeDirectory(_ path: String) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
}

func create(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else { throw Fail("cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    try writeAll(fd, bytes, path)
}

func replace(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
    let temporary = path + ".new"
    unlink(temporary)
    try create(temporary, bytes, mode: mode)
    guard rename(temporary, path) == 0 else { throw Fail("cannot rename \(temporary): \(String(cString: strerror(errno)))") }
}

func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws {
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { throw Fail("cannot write \(path): \(String(cString: strerror(errno)))") }
        done += n
    }
    guard fsync(fd) == 0 else { throw Fail("cannot sync \(path): \(String(cString: strerror(errno)))") }
}

LWSign.main()
