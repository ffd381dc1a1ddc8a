import Testing

@testable import HVSystem

@Suite struct ProcStatusTests {
    @Test func qemuMain() throws {
        let s = try ProcStatus.parse(Fixture.bytes("status/qemu-main.status"))
        #expect(s.name == "qemu-system-x86")
        #expect(s.tgid != nil)
        #expect(s.nsPIDs.count == 1)
        #expect(s.kernelThread == false)
        #expect((s.vmRSSBytes ?? 0) > 0)
    }

    @Test func containerInitSeesItselfAsPID1() throws {
        let s = try ProcStatus.parse(Fixture.bytes("status/lxc-init.status"))
        #expect(s.nsPIDs.count == 2)
        #expect(s.innermostPID == 1)
        #expect(s.nsPIDs.first == s.tgid)
    }

    @Test func kernelThread() throws {
        let s = try ProcStatus.parse(Fixture.bytes("status/kthreadd.status"))
        #expect(s.kernelThread == true)
        #expect(s.vmRSSBytes == nil)
        #expect(s.tgid == 2)
    }

    @Test func olderKernelWithoutKthreadLine() throws {
        let s = try ProcStatus.parse(Fixture.bytes("status/written-kernel5-no-kthread.status"))
        #expect(s.kernelThread == nil)
        #expect(s.tgid == 4689)
        #expect(s.ppid == 1)
        #expect(s.nsPIDs == [4689])
        #expect(s.vmRSSBytes == 1_048_876 * 1024)
    }

    @Test func rejectsGarbage() {
        #expect(throws: SystemError.self) { try ProcStatus.parse(Array("hello world".utf8)) }
        #expect(throws: SystemError.self) { try ProcStatus.parse(Array("NSpid:\tx\n".utf8)) }
    }
}
