/// One line of /proc/self/mountinfo, reduced to what the planner needs.
public struct MountEntry: Sendable, Codable, Equatable {
    public var deviceNumber: String
    public var mountPoint: String
    public var type: String
    public var source: String
    public var options: String

    public init(deviceNumber: String, mountPoint: String, type: String, source: String, options: String = "") {
        self.deviceNumber = deviceNumber
        self.mountPoint = mountPoint
        self.type = type
        self.source = source
        self.options = options
    }
}

public enum MountTable {
    /// Parses mountinfo text (proc(5)): `id parent major:minor root mountpoint options [tags] - type source super`.
    public static func parse(mountinfo: String) -> [MountEntry] {
        mountinfo.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 3 else { return nil }
            return MountEntry(
                deviceNumber: fields[2], mountPoint: unescape(fields[4]), type: fields[dash + 1],
                source: unescape(fields[dash + 2]), options: fields[5])
        }
    }

    /// mountinfo writes space, tab, newline and backslash as three-digit octal escapes.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "\\"), bytes.count >= 3,
                let v = UInt8(String(decoding: bytes.prefix(3), as: UTF8.self), radix: 8)
            {
                out.append(v)
                bytes = bytes.dropFirst(3)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Parses /proc/swaps: the first column of each line after the header.
public enum SwapTable {
    public static func parse(_ text: String) -> [String] {
        text.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) }
    }
}
