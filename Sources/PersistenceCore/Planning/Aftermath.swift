/// What a failed plan had written before it stopped, told from the steps that succeeded and the
/// invariants between them: a claim's licence (the magic header, or the partition's name) stays
/// until its last write (I2), and a claim whose file system is complete is finished, not redone (I3).
public enum Aftermath: Sendable, Equatable, CustomStringConvertible {
    /// No step before the failure writes a disk.
    case nothingWritten(failedStepWrites: Bool)
    /// A claim was under way: `written` had written `devices`, and its licence is still there.
    case claimPending(written: [Step.Action], devices: [String], licence: Licence, next: Next)
    /// The claim had completed before the failure (a later mount failed): the data file system is finished.
    case claimComplete(written: [Step.Action], devices: [String])
    /// Writes that are no claim's (e2fsck -p repairs).
    case wrote(written: [Step.Action], devices: [String])

    public enum Licence: Sendable, Equatable {
        case magicHeader(disk: String)
        case partitionName(partition: String)
    }

    /// What the next boot does with the claim, given how far it got.
    public enum Next: Sendable, Equatable {
        case redo
        /// The file system was made but not verified: the next boot's probe decides.
        case finishIfComplete
        case finish
    }

    /// `steps`: the plan; `succeeded`: those that ran before `failed`.
    public static func of(steps: [Step], succeeded: [Step], failed: Step) -> Aftermath {
        let writes = succeeded.filter(\.writesDisk)
        guard !writes.isEmpty else { return .nothingWritten(failedStepWrites: failed.writesDisk) }
        let actions = writes.map(\.action)
        var devices: [String] = []
        for d in writes.compactMap(\.device) where !devices.contains(d) { devices.append(d) }
        let licence: Licence? = steps.lazy.compactMap { step -> Licence? in
            switch step {
            case .completeClaim(let disk): .magicHeader(disk: disk)
            case .completePartitionClaim(let p, _, _): .partitionName(partition: p.displayName)
            default: nil
            }
        }.first
        guard let licence else { return .wrote(written: actions, devices: devices) }
        if actions.contains(.completeClaim) || actions.contains(.completePartitionClaim) {
            return .claimComplete(written: actions, devices: devices)
        }
        // verify-filesystem writes nothing, so it is looked for among all that succeeded.
        let ran = succeeded.map(\.action)
        let next: Next = ran.contains(.verifyFilesystem) ? .finish : ran.contains(.makeFilesystem) ? .finishIfComplete : .redo
        return .claimPending(written: actions, devices: devices, licence: licence, next: next)
    }

    public var description: String {
        switch self {
        case .nothingWritten(let failedStepWrites):
            return failedStepWrites ? "nothing had been written before it" : "nothing was written, the data is as it was"
        case .claimPending(let written, let devices, let licence, let next):
            let kept =
                switch licence {
                case .magicHeader: "its magic header is still there"
                case .partitionName(let p): "\(p) is still named \(MagicHeader.partitionName)"
                }
            let then =
                switch next {
                case .redo: "so the claim is redone at the next boot"
                case .finishIfComplete: "so the next boot finishes the claim if the new file system is complete, and redoes it otherwise"
                case .finish: "so the next boot only finishes the claim (its file system is complete)"
                }
            return "\(Self.list(written)) had written to \(Self.list(devices)); \(kept), \(then)"
        case .claimComplete(let written, let devices):
            return "\(Self.list(written)) had written to \(Self.list(devices)) and the claim is complete: the data file system is used at the next boot"
        case .wrote(let written, let devices):
            return "\(Self.list(written)) had written to \(Self.list(devices))"
                + (written.contains(.checkFilesystem) ? " (e2fsck -p repairs what it safely can)" : "")
        }
    }

    /// "a", "a and b", "a, b and c".
    static func list<T: CustomStringConvertible>(_ items: [T]) -> String {
        let words = items.map(\.description)
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " and " + words.last!
    }
}
