#if canImport(Glibc)
import Glibc
#endif

enum NTP {
    /// NTP's 64-bit time stamp (seconds since 1900, and a binary fraction) of CLOCK_REALTIME plus the offset.
    static func now(_ offset: Int64) -> [UInt8] {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let seconds = UInt32(truncatingIfNeeded: Int64(ts.tv_sec) + offset + 2_208_988_800)
        let fraction = UInt32(truncatingIfNeeded: (UInt64(ts.tv_nsec) << 32) / 1_000_000_000)
        return bytes(seconds) + bytes(fraction)
    }

    static func bytes(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    /// The server's reply to a client request (mode 3); nil for anything else.
    static func reply(to request: [UInt8], received: [UInt8], offset: Int64) -> [UInt8]? {
        guard request.count >= 48, request[0] & 7 == 3 else { return nil }
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
        return reply
    }
}
