// lwtest-udpd: the acceptance suite's UDP servers on the host's loopback, which QEMU's user network
// gives a guest as 10.0.2.2 (a fresh Debian machine has neither an NTP nor a DNS server, nor
// python). Every request gets an answer and a line on stdout, so that a test can also tell that a
// guest asked nothing.
//   ntp  (acceptance/10-clock) answers client requests (mode 3) with a server reply (mode 4,
//        stratum 1) carrying this host's clock; --offset serves it plus SECONDS, a time only this
//        server can have given the guest.
//   dns  (acceptance/09-network) answers every A question with --answer (default 10.0.2.2), any
//        other with no record, so that a guest's names resolve without leaving this machine.
//
//   lwtest-udpd ntp|dns [--address 127.0.0.1] [--port 123|53] [--offset SECONDS] [--answer IPV4]
#if canImport(Glibc)
import Glibc
#endif

/// A line to stdout or stderr at once (unbuffered: the test reads it while this runs).
func say(_ line: String, fd: Int32 = 1) {
    let text = Array((line + "\n").utf8)
    _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    say("lwtest-udpd: \(message)", fd: 2)
    exit(1)
}

func text(_ chars: [CChar]) -> String { String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
func errorText(_ e: Int32) -> String { String(cString: strerror(e)) }

let usage = "usage: lwtest-udpd ntp|dns [--address ADDR] [--port PORT] [--offset SECONDS] [--answer IPV4]"
var args = CommandLine.arguments.dropFirst()
guard let proto = args.popFirst(), proto == "ntp" || proto == "dns" else { fail(usage) }
var address = "127.0.0.1"
var port: UInt16 = proto == "ntp" ? 123 : 53
var offset: Int64 = 0
var answer = in_addr()
_ = inet_pton(AF_INET, "10.0.2.2", &answer)
while let option = args.popFirst() {
    guard let value = args.popFirst() else { fail("\(option) needs a value") }
    switch option {
    case "--address": address = value
    case "--port": port = UInt16(value) ?? { fail("--port: not a port: \(value)") }()
    case "--offset": offset = Int64(value) ?? { fail("--offset: not whole seconds: \(value)") }()
    case "--answer": if inet_pton(AF_INET, value, &answer) != 1 { fail("--answer: not an IPv4 address: \(value)") }
    default: fail("unknown option \(option) (\(usage))")
    }
}
let answerBytes = withUnsafeBytes(of: answer.s_addr) { Array($0) }

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
    case EADDRINUSE: fail("\(address):\(port) is taken: another \(proto) server runs on this machine (`ss -ulnp` names it); stop it for the test")
    case EACCES: fail("\(address):\(port): permission denied (port \(port) needs root)")
    default: fail("bind \(address):\(port): \(errorText(e))")
    }
}
say("lwtest-udpd: \(proto) answering on \(address):\(port)")

var request = [UInt8](repeating: 0, count: 512)
while true {
    var peer = sockaddr_in()
    var peerSize = socklen_t(MemoryLayout<sockaddr_in>.size)
    let n = request.withUnsafeMutableBytes { buf in
        withUnsafeMutablePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, buf.baseAddress, buf.count, 0, $0, &peerSize) }
        }
    }
    let received = NTP.now(offset)
    if n < 0 {
        if errno == EINTR { continue }
        fail("recvfrom: \(errorText(errno))")
    }
    var name = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    inet_ntop(AF_INET, &peer.sin_addr, &name, socklen_t(name.count))
    let from = "\(text(name)):\(UInt16(bigEndian: peer.sin_port))"
    let packet = Array(request[0..<n])
    let reply: (bytes: [UInt8], what: String)? =
        proto == "ntp" ? NTP.reply(to: packet, received: received, offset: offset).map { ($0, "") } : DNS.reply(to: packet, answer: answerBytes)
    guard let reply else {
        say("ignored \(n) bytes from \(from) (not a \(proto) request)")
        continue
    }
    let sent = reply.bytes.withUnsafeBytes { buf in
        withUnsafePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, buf.baseAddress, buf.count, 0, $0, peerSize) }
        }
    }
    say(sent == reply.bytes.count ? "answered \(from)\(reply.what)" : "could not answer \(from): \(errorText(errno))")
}
