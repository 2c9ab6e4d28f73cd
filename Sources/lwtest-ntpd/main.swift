// lwtest-ntpd: the acceptance suite's NTP server (acceptance/10-clock). A fresh Debian machine has
// neither an NTP server nor python, and QEMU's user network takes the guest's 10.0.2.2:123 to the
// host's 127.0.0.1:123. It answers every client request (mode 3) with a server reply (mode 4,
// stratum 1) carrying this host's clock, and prints a line per request, so that a test can also
// tell that a guest asked nothing. --offset serves the host's clock plus SECONDS: a time only this
// server can have given the guest.
//
//   lwtest-ntpd [--address 127.0.0.1] [--port 123] [--offset SECONDS]
#if canImport(Glibc)
import Glibc
#endif

/// A line to stdout or stderr at once (unbuffered: the test reads it while this runs).
func say(_ line: String, fd: Int32 = 1) {
    let text = Array((line + "\n").utf8)
    _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    say("lwtest-ntpd: \(message)", fd: 2)
    exit(1)
}

func text(_ chars: [CChar]) -> String { String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
func errorText(_ e: Int32) -> String { String(cString: strerror(e)) }

var address = "127.0.0.1"
var port: UInt16 = 123
var offset: Int64 = 0
var args = CommandLine.arguments.dropFirst()
while let option = args.popFirst() {
    guard let value = args.popFirst() else { fail("\(option) needs a value") }
    switch option {
    case "--address": address = value
    case "--port": port = UInt16(value) ?? { fail("--port: not a port: \(value)") }()
    case "--offset": offset = Int64(value) ?? { fail("--offset: not whole seconds: \(value)") }()
    default: fail("unknown option \(option) (usage: lwtest-ntpd [--address ADDR] [--port PORT] [--offset SECONDS])")
    }
}

let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
guard fd >= 0 else { fail("socket: \(errorText(errno))") }
var local = sockaddr_in()
local.sin_family = sa_family_t(AF_INET)
local.sin_port = port.bigEndian
guard inet_pton(AF_INET, address, &local.sin_addr) == 1 else { fail("--address: not an IPv4 address: \(address)") }
let bound = withUnsafePointer(to: &local) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
}
if bound != 0 {
    let e = errno
    switch e {
    case EADDRINUSE: fail("\(address):\(port) is taken: another NTP server runs on this machine (`ss -ulnp` names it); stop it for the test")
    case EACCES: fail("\(address):\(port): permission denied (port \(port) needs root)")
    default: fail("bind \(address):\(port): \(errorText(e))")
    }
}
say("lwtest-ntpd: answering on \(address):\(port)")

/// NTP's 64-bit time stamp (seconds since 1900, and a binary fraction) of CLOCK_REALTIME plus the offset.
func now(_ offset: Int64) -> [UInt8] {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    let seconds = UInt32(truncatingIfNeeded: Int64(ts.tv_sec) + offset + 2_208_988_800)
    let fraction = UInt32(truncatingIfNeeded: (UInt64(ts.tv_nsec) << 32) / 1_000_000_000)
    return bytes(seconds) + bytes(fraction)
}
func bytes(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

var request = [UInt8](repeating: 0, count: 512)
while true {
    var peer = sockaddr_in()
    var peerSize = socklen_t(MemoryLayout<sockaddr_in>.size)
    let n = request.withUnsafeMutableBytes { buf in
        withUnsafeMutablePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, buf.baseAddress, buf.count, 0, $0, &peerSize) }
        }
    }
    let received = now(offset)
    if n < 0 {
        if errno == EINTR { continue }
        fail("recvfrom: \(errorText(errno))")
    }
    var name = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    inet_ntop(AF_INET, &peer.sin_addr, &name, socklen_t(name.count))
    let from = "\(text(name)):\(UInt16(bigEndian: peer.sin_port))"
    guard n >= 48, request[0] & 7 == 3 else {
        say("ignored \(n) bytes from \(from) (not an NTP client request)")
        continue
    }
    let version = request[0] >> 3 & 7
    var reply = [UInt8](repeating: 0, count: 48)
    reply[0] = version << 3 | 4           // no leap second, the client's version, server
    reply[1] = 1                           // stratum 1: a reference clock (this host's)
    reply[2] = request[2]                  // the client's poll
    reply[3] = 0xEC                        // precision 2^-20 s
    reply[8...11] = [0, 0, 0, 0x10]        // root dispersion: 1/4096 s
    reply[12...15] = Array("LOCL".utf8)[...]
    reply[16...23] = received[...]         // reference time
    reply[24...31] = request[40...47]      // originate: the client's transmit time
    reply[32...39] = received[...]
    reply[40...47] = now(offset)[...]
    let sent = reply.withUnsafeBytes { buf in
        withUnsafePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, buf.baseAddress, buf.count, 0, $0, peerSize) }
        }
    }
    say(sent == 48 ? "answered \(from)" : "could not answer \(from): \(errorText(errno))")
}
