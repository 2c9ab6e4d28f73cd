#if canImport(Glibc)
import Glibc
#endif
import PersistenceKit

// Two builds of one target. With -DFUZZING (and -sanitize=fuzzer,address, as bench/fuzz builds
// it), main hands its arguments to libFuzzer, which calls fuzzOneInput with each input it makes.
// Without, as `swift build` builds every target, `lwfuzz FILE|DIR...` runs each input file once
// through the same function: the replay of Fixtures/fuzz that `make test` runs, which needs no
// sanitizer to fail on a trap. Both builds take `--seeds` and `--show`.

/// libFuzzer calls from one thread, one input at a time.
nonisolated(unsafe) let scratch = Scratch()

/// By libFuzzer's name: its own main, linked though displaced (below), refers to it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Target.run(DiskInput(parsing: UnsafeRawBufferPointer(start: data, count: size)), on: scratch)
    return 0
}

#if FUZZING
/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))`:
/// pointers in, an int out, which Swift's calling convention passes as C's does.
@_silgen_name("LLVMFuzzerRunDriver")
func fuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32
#endif

@main
struct Entry {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--seeds" { exit(Seeds.main(Array(arguments.dropFirst()))) }
        if arguments.first == "--show", arguments.count == 2 { exit(show(arguments[1])) }
        #if FUZZING
        exit(fuzz())
        #else
        replay(arguments)
        #endif
    }

    #if FUZZING
    /// libFuzzer's own main, with our arguments. SwiftPM links an executable with
    /// `main=lwfuzz_main` (this type's main), which displaces libFuzzer's main; its driver is
    /// linked all the same (-sanitize=fuzzer takes the whole runtime) and is called here.
    static func fuzz() -> Int32 {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        return fuzzerRunDriver(&argc, &argv, fuzzOneInput)
    }
    #endif

    static func replay(_ arguments: [String]) {
        guard !arguments.isEmpty, !arguments.contains(where: { $0.hasPrefix("-") }) else {
            print("usage: lwfuzz FILE|DIR...    replay fuzz inputs through the probe and the planner (a crash fails)")
            print("       lwfuzz --seeds OUTDIR IMAGE...    seed inputs from disk images")
            print("       lwfuzz --show FILE    what the probe sees of one input, the plan, its disk steps")
            exit(2)
        }
        var count = 0
        for file in arguments.flatMap(files) {
            guard let bytes = read(file) else {
                print("lwfuzz: cannot read \(file)")
                exit(2)
            }
            bytes.withUnsafeBytes { Target.run(DiskInput(parsing: $0), on: scratch) }
            print("ok \(file)")
            count += 1
        }
        print("lwfuzz: \(count) inputs, no crash, every rule kept")
    }

    /// One input as a person debugging it wants it: the inventory (JSON), the plan's decision and
    /// how its disk steps went on the image.
    static func show(_ file: String) -> Int32 {
        guard let bytes = read(file) else {
            print("lwfuzz: cannot read \(file)")
            return 2
        }
        let input = bytes.withUnsafeBytes { DiskInput(parsing: $0) }
        input.write(to: scratch.fd)
        print("disk of \(input.size) bytes, \(input.pieces.count) pieces, GPT sums \(input.fixesGPT ? "made right" : "as they are")")
        do {
            let inventory = try Target.prober.inventory(devices: [scratch.path])
            print(String(decoding: try ReportFile.encode(inventory), as: UTF8.self))
            let plan = Planner.plan(inventory, policy: Target.policy)
            print("decision: " + plan.decision.printable())
            for line in Target.claim(plan, before: inventory.disks[0], on: scratch) { print("  " + line.printable()) }
        } catch {
            print("lwfuzz: \(error)".printable())
        }
        return 0
    }

    /// A directory's regular files, sorted; a file as itself.
    static func files(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [path] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if entry.pointee.d_type == UInt8(DT_REG) { names.append("\(path)/\(name)") }
        }
        return names.sorted()
    }

    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { return out }
            out += buffer[0..<n]
        }
    }
}
