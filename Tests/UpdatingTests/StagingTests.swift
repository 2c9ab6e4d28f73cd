import PersistenceCore
import Testing
import Updating

@Suite("Whether to stage")
struct StagingTests {
    let manifest = UpdateManifest(
        version: "2.2.0", stamp: "lightwhale-2.2.0-1",
        files: UpdateManifest.requiredFiles.map { UpdateManifest.File(path: $0, size: 50 << 20, sha256: String(repeating: "0", count: 64)) })

    func facts(running: String = "2.1.3", free: UInt64 = 1 << 30, reclaimable: UInt64 = 0, downgrade: Bool = false) -> Staging.Facts {
        Staging.Facts(running: running, free: free, reclaimable: reclaimable, allowDowngrade: downgrade)
    }

    @Test("volatile and degraded systems have no data disk to stage on")
    func persistenceNeeded() throws {
        try Staging.requirePersistence(.persistent, reason: "")
        for mode in [SystemStatus.Mode.volatile, .degraded, .unset] {
            #expect(throws: UpdateError.notPersistent(mode: mode.rawValue, why: "why")) { try Staging.requirePersistence(mode, reason: "why") }
        }
    }

    @Test("newer is staged; the same or older only with --allow-downgrade")
    func versions() throws {
        try Staging.check(manifest, facts())
        #expect(throws: UpdateError.notNewer(running: "2.2.0", offered: "2.2.0")) { try Staging.check(manifest, facts(running: "2.2.0")) }
        #expect(throws: UpdateError.self) { try Staging.check(manifest, facts(running: "2.10.0")) }
        try Staging.check(manifest, facts(running: "2.10.0", downgrade: true))
    }

    @Test("room: the files plus 64 MiB, counting what staging removes first")
    func room() throws {
        let needed = manifest.totalSize + Staging.margin
        try Staging.check(manifest, facts(free: needed))
        #expect(throws: UpdateError.noRoom(needed: needed, free: needed - 1)) { try Staging.check(manifest, facts(free: needed - 1)) }
        try Staging.check(manifest, facts(free: needed - 100, reclaimable: 100))
        #expect(Staging.needsRoomOfEarlier(manifest, free: needed - 1) && !Staging.needsRoomOfEarlier(manifest, free: needed))
    }

    @Test("versions compare as release numbers")
    func compare() {
        #expect(Version.compare("2.1.3", "2.1.10") < 0)
        #expect(Version.compare("2.10", "2.9.9") > 0)
        #expect(Version.compare("2.1", "2.1.0") == 0)
        #expect(Version.compare("2.2.0-rc1", "2.2.0") < 0)
        #expect(Version.compare("2.2.0-rc2", "2.2.0-rc10") < 0)
        #expect(Version.compare("2.2.0-rc10", "2.2.0-rc2") > 0 && Version.compare("2.2.0-rc2", "2.2.0-rc2") == 0)
        #expect(Version.isPlain("2.2.0-rc1") && !Version.isPlain("-1") && !Version.isPlain("2 2") && !Version.isPlain(""))
    }

    @Test("an interrupted staging is known by its name")
    func partial() {
        #expect(Staging.interrupted(Staging.partial("2.2.0")) == "2.2.0")
        #expect(Staging.interrupted("2.2.0") == nil)
    }
}
