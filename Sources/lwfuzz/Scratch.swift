#if canImport(Glibc)
import Glibc
#endif

/// The one image file every input is written to, in memory (/dev/shm; /tmp where there is none)
/// and unlinked as soon as it is open: nothing is left behind when the fuzzer dies on a crash,
/// and parallel jobs never share a file. The probe opens it again by `/proc/self/fd/N`, a path.
final class Scratch {
    let fd: Int32
    let path: String

    init() {
        let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(dir)/lwfuzz.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { fatalError("lwfuzz: cannot create a scratch image in \(dir): \(String(cString: strerror(errno)))") }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        self.fd = fd
        path = "/proc/self/fd/\(fd)"
    }

    deinit { close(fd) }
}
