/// cloud-init's NoCloud seed, read: `meta-data` (its `instance-id` says which configuration this
/// is) and `user-data` (`#cloud-config`). Every key Lightwhale does not apply, and every value it
/// refuses, becomes a finding: reported, never fatal, never silently dropped.
public enum NoCloud {
    /// The seed's files as text, as read from a volume labelled `cidata`.
    public struct Seed: Sendable, Equatable {
        public var metaData: String
        public var userData: String?
        /// Version 2 (netplan's format); written to /etc/lightwhale/network.yaml when it reads.
        public var networkConfig: String?
        public init(metaData: String, userData: String?, networkConfig: String? = nil) {
            self.metaData = metaData
            self.userData = userData
            self.networkConfig = networkConfig
        }
    }

    /// The whole seed is refused (nothing of it is applied): no usable meta-data.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public static func read(_ seed: Seed) throws(Refusal) -> (CloudConfig, [ConfigFinding]) {
        let meta: YAMLNode?
        do { meta = try YAML.parse(seed.metaData) } catch { throw Refusal(reason: "meta-data is not YAML (\(error))") }
        guard let id = meta?["instance-id"]?.text?.trimmed, !id.isEmpty else {
            throw Refusal(reason: "meta-data has no instance-id (it decides that the configuration is applied once)")
        }
        guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:/".contains($0)) }), id.count <= 128 else {
            throw Refusal(reason: "meta-data's instance-id is not a plain name of letters, digits and -._:/ (at most 128)")
        }
        var config = CloudConfig(instanceID: id)
        var findings: [ConfigFinding] = []
        if let name = meta?["local-hostname"]?.text?.trimmed, !name.isEmpty {
            if let short = Names.hostname(name) { config.hostname = short } else {
                findings.append(.init(.refused, "meta-data: local-hostname", Names.hostnameRule))
            }
        }
        for pair in meta?.pairs ?? [] where !["instance-id", "local-hostname"].contains(pair.key) {
            findings.append(.init(.unknown, "meta-data: \(pair.key)", "not used by Lightwhale"))
        }
        if let text = seed.networkConfig, !text.allSatisfy(\.isWhitespace) {
            do {
                let (_, found) = try Netplan.read(text)
                config.networkConfig = text
                findings += found
            } catch {
                findings.append(.init(.refused, "network-config", error.reason + "; none of it applied"))
            }
        }
        guard let text = seed.userData, !text.allSatisfy(\.isWhitespace) else { return (config, findings) }
        guard text.hasPrefix("#cloud-config") else {
            let kind = text.hasPrefix("#!") ? "a script" : "not #cloud-config"
            findings.append(.init(.refused, "user-data", "\(kind): only #cloud-config is applied"))
            return (config, findings)
        }
        let root: YAMLNode?
        do { root = try YAML.parse(text) } catch {
            findings.append(.init(.refused, "user-data", "not YAML (\(error)); none of it applied"))
            return (config, findings)
        }
        guard let pairs = root?.pairs else {
            if root != nil { findings.append(.init(.refused, "user-data", "not a mapping of keys")) }
            return (config, findings)
        }
        var reader = UserData(config: config)
        for pair in pairs { reader.read(pair) }
        reader.finish()
        return (reader.config, findings + reader.findings)
    }
}

/// Reads `#cloud-config`'s keys into a `CloudConfig`.
struct UserData {
    var config: CloudConfig
    var findings: [ConfigFinding] = []

    mutating func refuse(_ place: String, _ reason: String) { findings.append(.init(.refused, "user-data: " + place, reason)) }
    mutating func unknown(_ place: String, _ reason: String = "not applied by Lightwhale") {
        findings.append(.init(.unknown, "user-data: " + place, reason))
    }

    mutating func read(_ pair: YAMLPair) {
        let key = pair.key, value = pair.value
        switch key {
        case "hostname", "fqdn":
            guard let text = value.text?.trimmed, Names.fqdn(text) else { return refuse(key, Names.hostnameRule) }
            if key == "fqdn" { config.fqdn = text } else { hostname = text }
        case "ssh_authorized_keys":
            config.authorizedKeys += keys(value, place: key)
        case "ssh_pwauth":
            guard let b = value.bool ?? value.text.flatMap({ ["true": true, "false": false][$0.lowercased()] }) else {
                return refuse(key, "neither true nor false")
            }
            config.passwordLogins = b
        case "users": readUsers(value)
        case "chpasswd": readChpasswd(value)
        case "write_files": readFiles(value)
        case "runcmd": readCommands(value)
        case "ntp": readNTP(value)
        case "timezone": readTimezone(value)
        default:
            unknown(key, "not a key Lightwhale applies")
        }
    }
    /// user-data's `hostname`: it wins over `fqdn`'s first label, which wins over meta-data's name.
    var hostname: String?

    mutating func finish() {
        if let name = hostname ?? config.fqdn { config.hostname = Names.hostname(name) }
        if config.fqdn == nil, let name = hostname, name.contains(".") { config.fqdn = name }
    }

    /// SSH public keys: one line each, no control characters.
    mutating func keys(_ node: YAMLNode, place: String) -> [String] {
        let items: [YAMLNode]
        switch node {
        case .sequence(let s): items = s
        case .scalar where !node.isNull: items = [node]
        default: return []
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let key = item.text?.trimmed, Names.publicKey(key) else {
                refuse("\(place)[\(i)]", "not one line of an SSH public key (type, key, comment)")
                continue
            }
            out.append(key)
        }
        return out
    }

    mutating func readUsers(_ node: YAMLNode) {
        guard case .sequence(let items) = node else { return refuse("users", "not a list") }
        for (i, item) in items.enumerated() {
            let place = "users[\(i)]"
            if let name = item.text {
                // "default" is the image's own user (op); any other bare name is a new user
                if name == "default" { continue }
                guard Names.user(name) else { refuse(place, Names.userRule); continue }
                config.users.append(CloudConfig.User(name: name))
                continue
            }
            guard let pairs = item.pairs, let name = item["name"]?.text?.trimmed else { refuse(place, "no name"); continue }
            guard Names.user(name) else { refuse(place, Names.userRule); continue }
            var user = CloudConfig.User(name: name)
            for pair in pairs {
                let field = "\(place).\(pair.key)"
                switch pair.key {
                case "name": break
                case "groups":
                    let groups = list(pair.value)
                    if let bad = groups.first(where: { !Names.user($0) }) { refuse(field, "'\(bad)': \(Names.userRule)") } else { user.groups = groups }
                case "sudo":
                    if pair.value.bool == false || pair.value.isNull { user.sudo = nil; break }
                    guard let rule = list(pair.value).first, Names.sudoRule(rule) else {
                        refuse(field, "not one sudoers rule on one line, such as ALL=(ALL) NOPASSWD:ALL"); break
                    }
                    user.sudo = rule
                case "ssh_authorized_keys": user.authorizedKeys = keys(pair.value, place: field)
                case "passwd", "hashed_passwd":
                    guard let hash = pair.value.text?.trimmed, Names.cryptHash(hash) else { refuse(field, Names.hashRule); break }
                    user.passwordHash = hash
                case "lock_passwd":
                    guard let b = pair.value.bool else { refuse(field, "neither true nor false"); break }
                    user.lockPassword = b
                case "shell":
                    guard let shell = pair.value.text, shell.hasPrefix("/"), Names.oneLine(shell), !shell.contains(":") else {
                        refuse(field, "not the absolute path of a shell"); break
                    }
                    user.shell = shell
                default: unknown(field)
                }
            }
            config.users.append(user)
        }
    }

    mutating func readChpasswd(_ node: YAMLNode) {
        guard let pairs = node.pairs else { return refuse("chpasswd", "not a mapping") }
        for pair in pairs {
            let place = "chpasswd.\(pair.key)"
            switch pair.key {
            case "expire":
                // Lightwhale never expires a password it was given: nobody may be at a console to change it
                if pair.value.bool == true { unknown(place, "passwords given here are not expired") }
            case "users":
                guard case .sequence(let items) = pair.value else { refuse(place, "not a list"); continue }
                for (i, item) in items.enumerated() {
                    let at = "\(place)[\(i)]"
                    guard let name = item["name"]?.text, Names.user(name) else { refuse(at, "no user name"); continue }
                    let type = item["type"]?.text ?? "hash"
                    guard type == "hash" else { refuse(at, "type \(type): only crypt hashes are taken (\(Names.hashRule))"); continue }
                    guard let hash = item["password"]?.text?.trimmed, Names.cryptHash(hash) else { refuse(at, Names.hashRule); continue }
                    config.passwords.append(.init(user: name, hash: hash))
                }
            case "list":
                let lines = pair.value.text.map { $0.split(separator: "\n").map(String.init) } ?? list(pair.value)
                for (i, line) in lines.enumerated() {
                    let at = "\(place)[\(i)]"
                    let parts = line.trimmed.split(separator: ":", maxSplits: 1).map(String.init)
                    guard parts.count == 2, Names.user(parts[0]) else { refuse(at, "not user:hash"); continue }
                    guard Names.cryptHash(parts[1]) else { refuse(at, Names.hashRule); continue }
                    config.passwords.append(.init(user: parts[0], hash: parts[1]))
                }
            default: unknown(place)
            }
        }
    }

    mutating func readFiles(_ node: YAMLNode) {
        guard case .sequence(let items) = node else { return refuse("write_files", "not a list") }
        for (i, item) in items.enumerated() {
            let place = "write_files[\(i)]"
            guard let pairs = item.pairs, let path = item["path"]?.text else { refuse(place, "no path"); continue }
            guard Names.writablePath(path) else { refuse("\(place).path", Names.pathRule); continue }
            var file = CloudConfig.File(path: path, content: [])
            var ok = true
            let encoding = item["encoding"]?.text?.lowercased() ?? "text/plain"
            let content = item["content"]
            for pair in pairs where ok {
                let field = "\(place).\(pair.key)"
                switch pair.key {
                case "path", "content", "encoding": break
                case "permissions":
                    guard let text = pair.value.text, let mode = UInt32(text.hasPrefix("0o") ? String(text.dropFirst(2)) : text, radix: 8), mode <= 0o7777
                    else { refuse(field, "not an octal mode such as '0644'"); ok = false; break }
                    file.mode = mode
                case "owner":
                    let parts = (pair.value.text ?? "").split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                    guard (1...2).contains(parts.count), parts.allSatisfy(Names.user) else {
                        refuse(field, "not user or user:group"); ok = false; break
                    }
                    file.owner = parts.count == 2 ? parts.joined(separator: ":") : parts[0] + ":" + parts[0]
                case "append":
                    guard let b = pair.value.bool else { refuse(field, "neither true nor false"); ok = false; break }
                    file.append = b
                case "defer":
                    if pair.value.bool == true { unknown(field, "written at boot like every other file") }
                default: unknown(field)
                }
            }
            guard ok else { continue }
            if let content, !content.isNull {
                guard let text = content.text else { refuse("\(place).content", "not text"); continue }
                let binary = if case .scalar(_, let tag, _) = content { tag == YAMLNode.binaryTag } else { false }
                switch binary ? "b64" : encoding {
                case "text/plain", "text": file.content = Array(text.utf8)
                case "b64", "base64":
                    guard let bytes = Base64.decode(text) else { refuse("\(place).content", "not base64"); continue }
                    file.content = bytes
                default:
                    refuse("\(place).encoding", "\(encoding): only text and base64 (b64) are read"); continue
                }
            }
            config.files.append(file)
        }
    }

    mutating func readCommands(_ node: YAMLNode) {
        guard case .sequence(let items) = node else { return refuse("runcmd", "not a list") }
        for (i, item) in items.enumerated() {
            if let line = item.text {
                config.commands.append(line)
            } else if case .sequence(let words) = item, !words.isEmpty, words.allSatisfy({ $0.text != nil }) {
                // a list is one command, its words quoted for the shell, as cloud-init runs it
                config.commands.append(words.compactMap(\.text).map(Shell.quote).joined(separator: " "))
            } else {
                refuse("runcmd[\(i)]", "neither a command line nor a list of words")
            }
        }
    }

    /// A scalar with comma-separated words, or a list of scalars.
    func list(_ node: YAMLNode) -> [String] {
        if case .sequence(let items) = node { return items.compactMap { $0.text?.trimmed } }
        return (node.text ?? "").split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
