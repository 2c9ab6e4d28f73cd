/// What a NoCloud seed asks of the machine, as plain values: the part of cloud-init's
/// `#cloud-config` that Lightwhale applies (README, "Configure before first boot").
public struct CloudConfig: Sendable, Codable, Equatable {
    /// meta-data's `instance-id`: the configuration is applied once per value.
    public var instanceID: String
    /// `hostname` (else `fqdn`'s first label, else meta-data's `local-hostname`).
    public var hostname: String?
    public var fqdn: String?
    /// Top-level `ssh_authorized_keys`: the default user's (op).
    public var authorizedKeys: [String] = []
    public var users: [User] = []
    /// `ssh_pwauth`: nil leaves the decision to Lightwhale (off once keys are given).
    public var passwordLogins: Bool?
    /// `chpasswd.users` and `chpasswd.list`: crypt hashes only.
    public var passwords: [Password] = []
    public var files: [File] = []
    /// `runcmd`: each entry one shell command line.
    public var commands: [String] = []
    /// `ntp`: nil leaves the image's (DHCP's servers, else a default pool).
    public var ntp: NTP?
    /// `timezone`: an IANA zone name (`Europe/Copenhagen`); nil leaves UTC.
    public var timezone: String?
    /// The seed's `network-config` (version 2), as written: it was read without a refusal.
    public var networkConfig: String?

    public init(instanceID: String) { self.instanceID = instanceID }

    public struct User: Sendable, Codable, Equatable {
        public var name: String
        public var groups: [String] = []
        /// `sudo`: a sudoers rule (`ALL=(ALL) NOPASSWD:ALL`), nil for none.
        public var sudo: String?
        public var authorizedKeys: [String] = []
        /// `passwd`: a crypt(3) hash.
        public var passwordHash: String?
        /// `lock_passwd`: cloud-init locks a new user's password unless told false.
        public var lockPassword: Bool = true
        public var shell: String?

        public init(name: String) { self.name = name }
    }

    public struct Password: Sendable, Codable, Equatable {
        public var user: String
        public var hash: String
        public init(user: String, hash: String) { self.user = user; self.hash = hash }
    }

    public struct NTP: Sendable, Codable, Equatable {
        public var servers: [String] = []
        public var pools: [String] = []
        /// `enabled: false`: no NTP client runs.
        public var enabled: Bool = true
        public init(servers: [String] = [], pools: [String] = [], enabled: Bool = true) {
            self.servers = servers
            self.pools = pools
            self.enabled = enabled
        }
    }

    public struct File: Sendable, Codable, Equatable {
        public var path: String
        public var content: [UInt8]
        /// `permissions`, octal; 0644 when not given.
        public var mode: UInt32 = 0o644
        /// `owner`, `user` or `user:group`; root when not given.
        public var owner: String = "root:root"
        public var append: Bool = false

        public init(path: String, content: [UInt8]) { self.path = path; self.content = content }
    }
}

/// Something in the seed that was not applied, and why: a key Lightwhale does not know, or a
/// value it refuses. Reported on the console and in `lwctl status`, never fatal.
public struct ConfigFinding: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable { case unknown, refused }
    public var kind: Kind
    /// Where in the seed: `user-data: write_files[2].encoding`.
    public var place: String
    public var reason: String

    public init(_ kind: Kind, _ place: String, _ reason: String) {
        self.kind = kind
        self.place = place
        self.reason = reason
    }

    public var description: String {
        kind == .unknown ? "\(place): not applied (\(reason))" : "\(place): refused (\(reason))"
    }
}
