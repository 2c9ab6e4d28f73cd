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

        public init(
            action: Step.Action, device: String?, path: String?, summary: String, result: String,
            error: String? = nil, milliseconds: Int? = nil
        ) {
            self.action = action
            self.device = device
            self.path = path
            self.summary = summary
            self.result = result
            self.error = error
            self.milliseconds = milliseconds
        }
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
    /// NoCloud seeds attached (file systems labelled cidata): `lwctl claim` applies the first.
    public var seeds: [String]?

    public init(
        mode: Mode, decision: String, dataDevice: String?, dataMountPoint: String, dockerDataRoot: String,
        dryRun: Bool, time: Int, steps: [StepRecord], skipped: [SkipRecord], fallback: String?, ok: Bool
    ) {
        self.mode = mode
        self.decision = decision
        self.dataDevice = dataDevice
        self.dataMountPoint = dataMountPoint
        self.dockerDataRoot = dockerDataRoot
        self.dryRun = dryRun
        self.time = time
        self.steps = steps
        self.skipped = skipped
        self.fallback = fallback
        self.ok = ok
    }
}
