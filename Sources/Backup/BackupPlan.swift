import PersistenceCore

/// What a backup copies from the data file system and how tar is asked to copy and restore it:
/// decisions as values, no I/O.
public enum BackupPlan {
    /// The members a restore writes: the control files and what `contents` can name.
    static let controlNames = [BackupManifest.name, BackupSums.name, containersName]
    /// `docker inspect` of every container, for the record (and to recreate them without images).
    public static let containersName = "lightwhale-backup-containers.json"
    /// Where a restore leaves the control files on the new data disk.
    public static let restoredDirectory = "lightwhale/restored"

    /// The overlays' upper layers (what was written to /etc, /home, /var/www), and Docker's
    /// volumes; with images, all of Docker's data instead (images, containers, networks, volumes):
    /// the engine then comes back as it was, and containers with a restart policy start.
    public static func contents(withImages: Bool) -> [String] {
        Policy.overlaidDirectories.map { "overlay/\($0)/upper" } + (withImages ? ["docker"] : ["docker/volumes"])
    }

    /// A path a backup may hold: under one of the directories it copies, or a control file; no
    /// `..`, no absolute path. A restore refuses any other member before tar sees it.
    public static func isArchivable(_ path: String) -> Bool {
        if controlNames.contains(path) { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else { return false }
        // Their parents only as themselves (tar may list a directory before what it holds).
        return ["overlay", "overlay/etc", "overlay/home", "overlay/var", "overlay/var/www"].contains(path)
            || contents(withImages: true).contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// tar's options both ways: numeric owners (containers' users are not this system's), every
    /// extended attribute (overlay whiteouts and opaque directories, file capabilities).
    static let common = ["--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls"]

    /// `tar -c` of the control files in `staging` and `members` of `dataRoot` to stdout, in pax
    /// format; `exclude`: paths under `dataRoot` left out (the archive itself, when written there).
    public static func createArguments(staging: String, control: [String], dataRoot: String, members: [String], exclude: [String]) -> [String] {
        ["tar", "--create", "--file=-", "--format=posix", "--one-file-system"] + common
            + ["--no-wildcards"] + exclude.map { "--exclude=" + $0 } + ["--directory=" + staging] + control + ["--directory=" + dataRoot, "--"] + members
    }

    /// `tar -x` from stdin into `target` (a new, empty data file system).
    public static func extractArguments(target: String) -> [String] {
        ["tar", "--extract", "--file=-", "--directory=" + target, "--same-permissions", "--same-owner"] + common
    }
}

extension BackupPlan {
    /// Where a file at `path` (absolute, its directory resolved) lies on the data file system,
    /// as a member name: an archive written into /home must not copy itself.
    public static func member(forOutput path: String, policy: Policy) -> String? {
        let data = policy.dataMountPoint + "/"
        if path.hasPrefix(data) { return String(path.dropFirst(data.count)) }
        for dir in Policy.overlaidDirectories {
            let top = Paths.join(policy.root, dir) + "/"
            if path.hasPrefix(top) { return "overlay/\(dir)/upper/" + path.dropFirst(top.count) }
        }
        return nil
    }
}
