import Foundation
import TestSupport
import Testing

extension PrivilegedTests {
    /// Media whose tables do not fit them must be probed, reported and left alone, never crash
    /// the claim (a hybrid ISO's MBR on a CD drive's 2048-byte sectors points past the end).
    @Suite("Odd media")
    struct Media {
        @Test("a partition table pointing past the end of a 2048-byte-sector device: probed, skipped, no crash", .sandbox)
        func tablePastTheEnd() throws {
            let s = try Sandbox.get
            let img = try s.image("cd", size: "8M")
            // 512-byte units in the MBR; read with 2048-byte sectors they reach 4 times as far.
            try s.sh("printf 'start=2048, size=12288, type=83\\n' | sfdisk -q \(img)")
            let before = try s.sha256(img)
            let loop = try s.attach(img, readOnly: true, sectorSize: 2048)
            try s.ns(
                """
                lw devices devices --json --devices \(loop)
                lw claim claim --root "$R" --devices \(loop) --dry-run --json
                """)
            let devices = try s.run("devices")
            #expect(devices.status == 0, "lwctl devices must not crash: \(devices.stderr)")
            #expect(devices.stdout.contains(loop))
            let claim = try s.run("claim")
            #expect(claim.status == 0, "lwctl claim must not crash: \(claim.stderr)")
            #expect(claim.mode == "volatile")
            #expect(claim.skipReason(loop) != nil)
            s.detach(loop)
            #expect(try s.sha256(img) == before)
        }
    }
}
