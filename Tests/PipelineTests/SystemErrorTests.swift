#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import Testing
@testable import PersistenceKit

/// errno survives as a code to compare, and still reads well.
@Suite struct SystemErrorTests {
    @Test func errnoIsKeptAndReadable() {
        let e = SystemError.errno("open", "/dev/sdb", code: EACCES)
        #expect(e.code == .permissionDenied)
        #expect(e.description == "open /dev/sdb: Permission denied")
        #expect(SystemError("format", "/dev/sdb1", "mke2fs exited 1").code == nil)
    }

    @Test func aFailedCallThrowsItsErrno() throws {
        let error = #expect(throws: SystemError.self) { try DeviceFile("/nonexistent/lightwhale-test") }
        #expect(error?.code == .noSuchFileOrDirectory)
    }
}
