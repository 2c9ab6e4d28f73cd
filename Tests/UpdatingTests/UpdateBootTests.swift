import Testing
import Updating

/// The update's life across boots, as the medium's /init, the booted version and --rollback
/// move it: each test is a sequence of boots.
@Suite("Which version boots")
struct UpdateBootTests {
    let all: (String) -> Bool = { _ in true }

    @Test("staged, booted, marked good: booted again by default; a newer medium boots as itself")
    func goodPath() throws {
        let staged = UpdateState(staged: "2.2.0", stagedStamp: "s")
        let (first, trying) = UpdateBoot.choose(staged, medium: "2.1.3", complete: all)
        #expect(first == .version("2.2.0") && trying.trying == "2.2.0")
        let good = UpdateBoot.markGood(trying, running: "2.2.0")
        #expect(good == UpdateState(good: "2.2.0"))
        #expect(UpdateBoot.choose(good, medium: "2.1.3", complete: all) == (.version("2.2.0"), good))
        #expect(UpdateBoot.choose(good, medium: "2.3.0", complete: all).0 == .medium)
        #expect(UpdateBoot.choose(good, medium: "2.1.3", complete: { $0 != "2.2.0" }).0 == .medium, "its directory removed by hand")
    }

    @Test("a version that never marks itself good is abandoned at the next boot, with the reason, and not tried again")
    func abandoned() throws {
        let (_, trying) = UpdateBoot.choose(UpdateState(staged: "2.2.0"), medium: "2.1.3", complete: all)
        let (next, after) = UpdateBoot.choose(trying, medium: "2.1.3", complete: all)
        #expect(next == .medium)
        #expect(after.staged == nil && after.trying == nil && after.failed?.version == "2.2.0")
        #expect(after.failed?.reason.contains("did not mark it good") == true)
        #expect(UpdateBoot.choose(after, medium: "2.1.3", complete: all).0 == .medium)
    }

    @Test("a version that gives up on itself (Docker not up in time) is abandoned with its own reason; a good one is kept")
    func givesUp() throws {
        let (_, trying) = UpdateBoot.choose(UpdateState(staged: "2.2.0", good: "2.1.9"), medium: "2.1.3", complete: all)
        let gaveUp = try #require(UpdateBoot.giveUp(trying, running: "2.2.0", reason: "Docker was not up within 60 s"))
        #expect(gaveUp.trying == nil && gaveUp.staged == nil && gaveUp.good == "2.1.9")
        #expect(gaveUp.failed == UpdateState.Failure(version: "2.2.0", reason: "Docker was not up within 60 s"))
        #expect(UpdateBoot.choose(gaveUp, medium: "2.1.3", complete: all) == (.version("2.1.9"), gaveUp), "the reason is kept at the next boot")
        #expect(UpdateBoot.giveUp(gaveUp, running: "2.1.9", reason: "slow") == nil, "a version that came up before is not abandoned")
        #expect(UpdateBoot.giveUp(UpdateState(), running: "2.1.3", reason: "slow") == nil, "nor the medium's")
    }

    @Test("a staging cut short is said as abandoned; what was staged, tried or good stays")
    func interruptedStaging() {
        let s = UpdateState(staged: "2.2.0", trying: "2.2.0", good: "2.1.9", previous: "2.1.8")
        let after = UpdateBoot.discardedStaging(s, "2.3.0")
        #expect(after.failed?.version == "2.3.0" && after.failed?.reason.hasPrefix("its staging was interrupted") == true)
        #expect(UpdateState(staged: after.staged, trying: after.trying, good: after.good, previous: after.previous) == s)
    }

    @Test("a broken update on top of a good one falls back to the good one, not the medium")
    func fallsBackToGood() throws {
        var s = UpdateBoot.markGood(UpdateBoot.choose(UpdateState(staged: "2.2.0"), medium: "2.1.3", complete: all).1, running: "2.2.0")
        s.staged = "2.3.0"
        let (first, trying) = UpdateBoot.choose(s, medium: "2.1.3", complete: all)
        #expect(first == .version("2.3.0"))
        let (second, after) = UpdateBoot.choose(trying, medium: "2.1.3", complete: all)
        #expect(second == .version("2.2.0") && after.failed?.version == "2.3.0" && after.good == "2.2.0")
        let good = UpdateBoot.markGood(UpdateBoot.choose(UpdateState(staged: "2.3.0", good: "2.2.0"), medium: "2.1.3", complete: all).1, running: "2.3.0")
        #expect(good.good == "2.3.0" && good.previous == "2.2.0" && good.kept == ["2.3.0", "2.2.0"])
    }

    @Test("--rollback: from a good version to the one before; a staged one is not booted; on the medium's own version with nothing staged it is refused")
    func rollback() throws {
        let two = UpdateState(good: "2.3.0", previous: "2.2.0")
        let back = try UpdateBoot.rollback(two, running: "2.3.0")
        #expect(back.good == "2.2.0" && back.previous == nil && back.failed == UpdateState.Failure(version: "2.3.0", reason: "rolled back by hand"))
        #expect(UpdateBoot.choose(back, medium: "2.1.3", complete: all).0 == .version("2.2.0"))
        let toMedium = try UpdateBoot.rollback(back, running: "2.2.0")
        #expect(UpdateBoot.choose(toMedium, medium: "2.1.3", complete: all).0 == .medium)
        let notBooted = try UpdateBoot.rollback(UpdateState(staged: "2.2.0"), running: "2.1.3")
        #expect(notBooted.staged == nil && notBooted.failed?.version == "2.2.0")
        #expect(throws: UpdateError.nothingToRollBack(running: "2.1.3")) { try UpdateBoot.rollback(UpdateState(), running: "2.1.3") }
    }

    @Test("marking good is for the version being tried or the good one; anything else changes nothing")
    func markGoodOnlyForItself() {
        let s = UpdateState(staged: "2.3.0", good: "2.2.0")
        #expect(UpdateBoot.markGood(s, running: "2.1.3") == s)
        #expect(UpdateBoot.markGood(s, running: "2.2.0") == s)
    }

    @Test("a staged version boots with this boot's parameters and its own lightwhale.update=")
    func commandLine() {
        #expect(UpdateBoot.commandLine("console=ttyS0 lightwhale.update=2.2.0 quiet\n", version: "2.3.0") == "console=ttyS0 quiet lightwhale.update=2.3.0")
        #expect(UpdateBoot.commandLine("", version: "2.3.0") == "lightwhale.update=2.3.0")
    }
}
