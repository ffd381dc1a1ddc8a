import Testing

@testable import HVSystem

struct ProcStatCase: Sendable, CustomTestStringConvertible {
    let file: String
    let pid: Int
    let comm: String
    let state: Character
    let kernelThread: Bool
    let threads: Int?
    var testDescription: String { file }
}

@Suite struct ProcStatTests {
    static let cases: [ProcStatCase] = [
        .init(file: "stat/qemu-main.stat", pid: -1, comm: "qemu-system-x86", state: "S", kernelThread: false, threads: nil),
        .init(file: "stat/vcpu-tcg.stat", pid: -1, comm: "CPU 1/TCG", state: "S", kernelThread: false, threads: nil),
        .init(file: "stat/worker.stat", pid: -1, comm: "worker", state: "S", kernelThread: false, threads: nil),
        .init(file: "stat/io-mon-iothread.stat", pid: -1, comm: "IO mon_iothread", state: "S", kernelThread: false, threads: nil),
        .init(file: "stat/kthreadd.stat", pid: 2, comm: "kthreadd", state: "S", kernelThread: true, threads: 1),
        .init(file: "stat/lxc-init.stat", pid: -1, comm: "init", state: "S", kernelThread: false, threads: 1),
        .init(file: "stat/comm-parens.stat", pid: -1, comm: ") (x y) (", state: "S", kernelThread: false, threads: 1),
        .init(file: "stat/written-vhost-kthread.stat", pid: 4711, comm: "vhost-4690", state: "S", kernelThread: true, threads: 1),
        .init(file: "stat/written-vcpu-kvm.stat", pid: 4695, comm: "CPU 0/KVM", state: "S", kernelThread: false, threads: 6),
    ]

    @Test(arguments: cases)
    func parsesFixture(_ c: ProcStatCase) throws {
        let s = try ProcStat.parse(Fixture.bytes(c.file))
        if c.pid > 0 { #expect(s.pid == c.pid) } else { #expect(s.pid > 0) }
        #expect(s.comm == c.comm)
        #expect(s.state == UInt8(ascii: c.state.unicodeScalars.first!))
        #expect(s.isKernelThread == c.kernelThread)
        if let t = c.threads { #expect(s.numThreads == t) } else { #expect(s.numThreads >= 1) }
        #expect(s.startTimeTicks > 0)
    }

    @Test func fieldsOfWrittenVcpuLine() throws {
        let s = try ProcStat.parse(Fixture.bytes("stat/written-vcpu-kvm.stat"))
        #expect(s.ppid == 1)
        #expect(s.utimeTicks == 51234)
        #expect(s.stimeTicks == 9921)
        #expect(s.startTimeTicks == 90871)
        #expect(s.vsizeBytes == 5_394_231_296)
        #expect(s.rssPages == 262_219)
        #expect(s.processor == 3)
    }

    @Test func commWithParenthesesAndSpacesUsesLastParen() throws {
        let line = Array("42 (a) b (c)) R 1 42 42 0 -1 4194304 0 0 0 0 7 3 0 0 20 0 1 0 555 1000 10".utf8)
        let s = try ProcStat.parse(line)
        #expect(s.comm == "a) b (c)")
        #expect(s.utimeTicks == 7)
        #expect(s.stimeTicks == 3)
        #expect(s.startTimeTicks == 555)
        #expect(s.processor == nil)
    }

    @Test(arguments: [
        ("", "no '('"),
        ("12 (x", "no ')'"),
        ("12 (x) R", "bad ppid"),
        ("12 (x) R 1 2 3 4 5 6 7 8 9 10 11", "bad stime"),
        ("abc (x) R 1", "bad pid"),
    ])
    func rejectsMalformed(_ input: String, _ reason: String) {
        #expect {
            try ProcStat.parse(Array(input.utf8))
        } throws: { e in
            guard let e = e as? SystemError else { return false }
            return e.kind == .malformed && e.reason.contains(reason)
        }
    }
}
