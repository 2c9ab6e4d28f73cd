/// What one `lwctl claim` decided and did: printed with `--json`, saved for `lwctl status`.
public struct ClaimReport: Sendable, Codable, Equatable {
    public struct StepRecord: Sendable, Codable, Equatable {
        public var action: Step.Action
        public var device: String?
        public var path: String?
        public var summary: String
        /// `done`, `failed`, or `planned` (dry run).
        public var result: String
        public var error: String?
        public var milliseconds: Int?
    }

    /// A skipped device as the report keeps it: the sentence, and stable names for scripts.
    public struct SkipRecord: Sendable, Codable, Equatable {
        public var device: String
        public var reason: String
        /// `SkipReason.code`.
        public var code: String
        /// `Refusal.code` of each I4 reason, for a protected device; absent otherwise.
        public var refusals: [String]?

        public init(_ skip: Skip) {
            device = skip.device
            reason = skip.reason.description
            code = skip.reason.code
            let refusals = skip.reason.refusals.map(\.code)
            self.refusals = refusals.isEmpty ? nil : refusals
        }
    }

    public var mode: Mode
    public var decision: String
    public var dataDevice: String?
    public var dataMountPoint: String
    public var dockerDataRoot: String
    public var dryRun: Bool
    /// Seconds since the epoch when the claim ran.
    public var time: Int
    public var steps: [StepRecord]
    public var skipped: [SkipRecord]
    /// Set when the plan failed and the tmpfs fallback ran instead: why.
    public var fallback: String?
    /// False only when even the fallback failed.
    public var ok: Bool
}
