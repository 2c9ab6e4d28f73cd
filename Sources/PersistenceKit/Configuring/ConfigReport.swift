import Provisioning

/// What the boot did with a NoCloud seed, saved for `lwctl status` (no secrets: hashes and file
/// contents are never in it).
public struct ConfigReport: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        /// applied at this boot
        case applied
        /// this instance-id was applied at an earlier boot: nothing done
        case alreadyApplied = "already-applied"
        /// the seed could not be used at all
        case refused
        /// applying it failed part-way: it is applied again at the next boot
        case failed
    }
    public var source: String
    public var state: State
    public var instanceID: String?
    public var applied: [String]
    public var findings: [ConfigFinding]
    public var error: String?

    public init(
        source: String, state: State, instanceID: String? = nil, applied: [String] = [], findings: [ConfigFinding] = [],
        error: String? = nil
    ) {
        self.source = source
        self.state = state
        self.instanceID = instanceID
        self.applied = applied
        self.findings = findings
        self.error = error
    }

    /// The boot log's lines for it.
    public var lines: [String] {
        let head: String
        switch state {
        case .applied: head = "applied the configuration " + (instanceID.map { "of instance \($0) " } ?? "") + "from \(source)"
        case .alreadyApplied: head = "the configuration of instance \(instanceID ?? "?") on \(source) was applied at an earlier boot: nothing to do"
        case .refused: head = "the configuration from \(source) is refused: \(error ?? "?")"
        case .failed: head = "applying the configuration from \(source) failed (it is tried again at the next boot): \(error ?? "?")"
        }
        return [head] + applied.map { "  " + $0 } + findings.map { "  " + $0.description }
    }
}
