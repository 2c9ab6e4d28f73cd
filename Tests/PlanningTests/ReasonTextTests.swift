import Testing
@testable import PersistenceCore
import PlanningBuilders

/// The sentences people read are rendered in one place; a few are pinned here, the rest is
/// compared as cases by the planner tests.
@Suite struct ReasonTextTests {
    @Test(arguments: [
        (Refusal.bootMedium(label: "LIGHTWHALE-2"), "it is a Lightwhale boot medium (label LIGHTWHALE-2)", "boot-medium"),
        (.mounted(points: ["/", "/boot"]), "it is mounted (/, /boot)", "mounted"),
        (.held(by: ["md0", "dm-1"]), "it is held by md0, dm-1 (RAID, LVM or dm)", "held"),
        (.tooSmall(size: 32 << 20, minimum: 64 << 20), "it is too small (32 MiB; at least 64 MiB is needed)", "too-small"),
        (.notGPT, "its partition table is not a GPT", "not-gpt"),
    ])
    func refusalText(_ refusal: Refusal, text: String, code: String) {
        #expect(refusal.description == text)
        #expect(refusal.code == code)
    }

    @Test(arguments: [
        (SkipReason.protectedMagicDisk([.readOnly, .swap]), "carries the magic header, but is never written because it is read-only; it is in use as swap", "protected-magic-disk"),
        (.noLicence, "no magic header and no partition named lightwhale-please-format-me or file system labelled lightwhale-data", "no-licence"),
        (.anotherClaimFirst("/dev/sda"), "/dev/sda was chosen first (one claim per boot: claims under way, then whole disks, then by name); this one is claimed at a later boot if it still carries its licence", "another-claim-first"),
        (.unreadable(detail: "open /dev/sdz: Input/output error"), "could not be read (open /dev/sdz: Input/output error); not touched", "unreadable"),
    ])
    func skipText(_ reason: SkipReason, text: String, code: String) {
        #expect(reason.description == text)
        #expect("\(reason)" == text)
        #expect(reason.code == code)
    }

    /// The report keeps the sentence and the names, and leaves `refusals` out when there are none.
    @Test func reportRecord() {
        let protected = ClaimReport.SkipRecord(Skip(device: "/dev/sdb", reason: .protectedMagicDisk([.readOnly])))
        #expect(protected.reason == "carries the magic header, but is never written because it is read-only")
        #expect(protected.code == "protected-magic-disk" && protected.refusals == ["read-only"])
        let plain = ClaimReport.SkipRecord(Skip(device: "/dev/sda", reason: .noLicence))
        #expect(plain.code == "no-licence" && plain.refusals == nil)
    }
}
