// The system's random numbers (getrandom) are an effect: the core takes a generator instead.

extension UUIDText {
    public static func random() -> UUIDText {
        var g = SystemRandomNumberGenerator()
        return random(using: &g)
    }
}

extension Policy {
    /// A policy with fresh random UUIDs.
    public static func random(root: String = "/", mount: Bool = true) -> Policy {
        var g = SystemRandomNumberGenerator()
        return random(root: root, mount: mount, using: &g)
    }
}
