import FoundationEssentials

/// `lightwhale/updates/state.json` on the data disk: which versions there are to boot and how
/// their boots went. The boot medium's version is always the last way back and is not named.
public struct UpdateState: Codable, Equatable, Sendable {
    /// A complete, verified version in `lightwhale/updates/<version>/`, to be booted next.
    public var staged: String?
    /// Its manifest's stamp: the build, where two builds share a version.
    public var stagedStamp: String?
    /// The staged version, booted and not yet marked good. Still set at the next boot from the
    /// medium, it did not come up: that boot abandons it.
    public var trying: String?
    /// The version that last marked itself good (sshd and Docker up): booted by default.
    public var good: String?
    /// The good version before it: where `lwctl update --rollback` goes.
    public var previous: String?
    /// The last version abandoned, and why.
    public var failed: Failure?

    public struct Failure: Codable, Equatable, Sendable {
        public var version: String
        public var reason: String

        public init(version: String, reason: String) {
            self.version = version
            self.reason = reason
        }
    }

    public init(
        staged: String? = nil, stagedStamp: String? = nil, trying: String? = nil, good: String? = nil, previous: String? = nil,
        failed: Failure? = nil
    ) {
        self.staged = staged
        self.stagedStamp = stagedStamp
        self.trying = trying
        self.good = good
        self.previous = previous
        self.failed = failed
    }

    /// The versions that came up, whose directories a new staging leaves: each is a way back.
    public var kept: Set<String> { Set([good, previous].compactMap { $0 }) }

    public func encoded() -> [UInt8] { jsonBytes(self) }

    /// nil for what is not a state file (a damaged one names nothing to boot).
    public static func parse(_ bytes: [UInt8]) -> UpdateState? { try? JSONDecoder().decode(UpdateState.self, from: Data(bytes)) }
}
