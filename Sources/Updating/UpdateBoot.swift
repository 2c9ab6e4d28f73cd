/// Which version a boot runs, and how the state moves: pure decisions the boot medium's /init,
/// the booted version and `lwctl update --rollback` act on. The state is saved before what it
/// decides is done, so a crash anywhere leaves a state that the next boot reads right.
public enum UpdateBoot {
    public enum Choice: Equatable, Sendable {
        /// Boot on from the medium, as its own version.
        case medium
        /// Load `updates/<version>/boot`'s kernel and initrd (kexec).
        case version(String)
    }

    /// At a boot from the medium (version `medium`) with the data disk in use. `complete` says
    /// whether a version's directory is there, whole (a staged one removed by hand is not
    /// booted). A staged version is booted as asked, even an older one; the good one only while
    /// it is newer than the medium's, so a stick rewritten with a newer image (the guide's `dd`)
    /// boots as itself.
    public static func choose(_ state: UpdateState, medium: String, complete: (String) -> Bool) -> (Choice, UpdateState) {
        var s = state
        if let trying = s.trying {
            // Booted, and never said it was up: abandoned, and never tried again by itself.
            s = abandon(
                s, trying,
                reason: "its boot did not mark it good (sshd and Docker up within \(markGoodDeadline) s): it crashed, hung or failed to start them")
        }
        if let staged = s.staged, staged != s.good, complete(staged) {
            s.trying = staged
            return (.version(staged), s)
        }
        if let good = s.good, Version.compare(good, medium) > 0, complete(good) { return (.version(good), s) }
        return (.medium, s)
    }

    /// A staging of `version` cut short (its `.part` left by a power cut or a crash while
    /// `lwctl update` copied it), discarded at boot: said as the last version abandoned. What
    /// was staged, tried or good before it is untouched.
    public static func discardedStaging(_ state: UpdateState, _ version: String) -> UpdateState {
        var s = state
        s.failed = UpdateState.Failure(
            version: version, reason: "its staging was interrupted (a power cut or a crash while lwctl update copied it): discarded")
        return s
    }

    /// `version` is not booted again by itself: not staged, not good, not being tried.
    public static func abandon(_ state: UpdateState, _ version: String, reason: String) -> UpdateState {
        var s = state
        s.failed = UpdateState.Failure(version: version, reason: reason)
        if s.trying == version { s.trying = nil }
        if s.staged == version { (s.staged, s.stagedStamp) = (nil, nil) }
        if s.good == version { (s.good, s.previous) = (s.previous, nil) }
        return s
    }

    /// How long a booted version has to bring sshd and Docker up before its boot gives up on it
    /// (and reboots, so that the medium abandons it).
    public static let markGoodDeadline = 300

    /// Said by a version booted from the data disk once sshd and Docker are up.
    public static func markGood(_ state: UpdateState, running: String) -> UpdateState {
        var s = state
        guard s.trying == running || s.good == running else { return s }
        if s.good != running { (s.previous, s.good) = (s.good, running) }
        s.trying = nil
        if s.staged == running { (s.staged, s.stagedStamp) = (nil, nil) }
        if s.failed?.version == running { s.failed = nil }
        return s
    }

    /// Said by a version booted from the data disk whose sshd or Docker did not come up in time.
    /// One being tried is abandoned with `reason` (its boot then reboots into the version before
    /// it); one that came up on an earlier boot is kept, so a slow start never loops reboots:
    /// nil, nothing changes.
    public static func giveUp(_ state: UpdateState, running: String, reason: String) -> UpdateState? {
        guard state.trying == running else { return nil }
        return abandon(state, running, reason: reason)
    }

    /// `lwctl update --rollback`: the next boot runs the version before this one (the previous
    /// good one, or the medium's), and this one is not booted again by itself.
    public static func rollback(_ state: UpdateState, running: String) throws(UpdateError) -> UpdateState {
        var s = state
        let fromDisk = s.good == running || s.trying == running
        guard fromDisk || s.staged != nil else { throw .nothingToRollBack(running: running) }
        if let staged = s.staged, staged != running {
            s.failed = UpdateState.Failure(version: staged, reason: "rolled back by hand before it was booted")
        }
        (s.staged, s.stagedStamp) = (nil, nil)
        if fromDisk {
            s.failed = UpdateState.Failure(version: running, reason: "rolled back by hand")
            s.trying = nil
            if s.good == running { (s.good, s.previous) = (s.previous, nil) }
        }
        return s
    }

    /// The boot parameter that tells a staged version's initrd which version it is.
    public static let parameter = "lightwhale.update"

    /// The kernel command line a staged version boots with: this boot's, less any earlier
    /// `lightwhale.update=`, plus its own.
    public static func commandLine(_ current: String, version: String) -> String {
        let kept = current.split(whereSeparator: { $0 == " " || $0 == "\n" }).filter { !$0.hasPrefix(parameter + "=") }
        return (kept.map(String.init) + ["\(parameter)=\(version)"]).joined(separator: " ")
    }
}
