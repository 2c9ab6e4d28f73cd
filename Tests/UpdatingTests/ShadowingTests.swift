import Testing
import Updating

@Suite("Owner's /etc files hiding an update's")
struct ShadowingTests {
    let a = String(repeating: "a", count: 64)
    let b = String(repeating: "b", count: 64)

    @Test("sha256sum's lines parse, text and binary mode; anything else is left out")
    func parse() {
        let sums = Shadowing.parse("\(a)  etc/motd\n\(b) *etc/x y\nnot a line\nabc  etc/short\n")
        #expect(sums == ["etc/motd": a, "etc/x y": b])
    }

    @Test("hidden: what the owner has whose path the new image holds differently; not what it leaves alone or lacks")
    func hidden() {
        let running = ["etc/motd": a, "etc/hostname": a]
        let next = ["etc/motd": b, "etc/hostname": a, "etc/added": a]
        #expect(Shadowing.hidden(owned: ["etc/motd", "etc/hostname", "etc/added", "etc/mine"], running: running, next: next) == ["etc/added", "etc/motd"])
    }
}
