import Foundation
import HVCollect
import HVExpose
import HVModel
import Synchronization
import Testing

@testable import HVTop

struct OutputTests {
    @Test func formats() {
        #expect(Format.bytes(0) == "0")
        #expect(Format.bytes(1023) == "1023")
        #expect(Format.bytes(1536) == "1.5K")
        #expect(Format.bytes(UInt64(232) << 20) == "232M")
        #expect(Format.bytes(nil) == "-")
        #expect(Format.percent(12.345) == "12.3")
        #expect(Format.percent(1234) == "1234")
        #expect(Format.number(134_217_728) == "134217728")
        #expect(Format.number(0.25) == "0.25")
        #expect(Format.number(1.0 / 3) == "0.333333")
        #expect(Format.duration(185) == "3m05s")
        #expect(Format.printable("a\u{1B}[2Jb\n") == "a?[2Jb?")
    }

    @Test func tablesFitAndCut() {
        let t = TextTable(
            columns: [.init("NAME", .left, flexible: true, minWidth: 4), .init("N")], rows: [["averyveryverylongname", "1"]])
        let fitted = t.render(width: 10)
        #expect(fitted.header == "NAME     N")
        #expect(fitted.lines == ["averyve~ 1"])
        #expect(t.render().lines == ["averyveryverylongname 1"])
    }

    @Test func csvQuotesLikeRFC4180() {
        #expect(BatchOutput.csvField("plain") == "plain")
        #expect(BatchOutput.csvField("a,b") == "\"a,b\"")
        #expect(BatchOutput.csvField("we\"ird") == "\"we\"\"ird\"")
        let (a, b) = Fixtures.pair
        let csv = BatchOutput(format: .csv).render(b, previous: a, iteration: 1)
        let lines = csv.split(separator: "\n")
        #expect(lines[0] == Substring(BatchOutput.csvHeader.joined(separator: ",")))
        #expect(lines.count == 6)
        #expect(lines[1].contains(",db,") && lines[1].contains(",150.000,"))
        #expect(!BatchOutput(format: .csv).render(b, previous: a, iteration: 2).contains("timestamp_seconds"))
    }

    @Test func jsonLinesParse() throws {
        let (a, b) = Fixtures.pair
        let line = BatchOutput(format: .json, sort: .name).render(b, previous: a, iteration: 1)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let guests = try #require(o["guests"] as? [[String: Any]])
        #expect(guests.map { $0["name"] as? String } == ["ct1", "db", "idle", "off", "web"])
        #expect(guests[1]["cpu_percent"] as? Double == 150)
        #expect(o["interval_seconds"] as? Double == 10)
    }

    @Test func snapshotSurvivesTheJSONRoundTrip() throws {
        var s = Fixtures.pair.1.snapshot
        s.mdArrays = [Fixtures.md("md0", members: [("sda1", ["in_sync"], 0)])]
        s.storagePools = [Fixtures.pool("default")]
        var j = DomainJob(type: 1)
        j.operation = 5
        j.dataTotalBytes = 10
        j.dataRemainingBytes = 4
        s.guests[0].job = j
        s.processes = [
            ProcessEntry(
                pid: 1, tid: 2, comm: "CPU 0/KVM", role: "vcpu", vcpu: 0, guestKey: s.guests[0].key, cpuSeconds: 1.5, rssBytes: 9,
                evidence: "pidfile")
        ]
        let back = try SnapshotDecoder.decode(Sample(snapshot: s, source: .direct(triedURL: nil, reason: nil)).json)
        #expect(back.hostname == s.hostname)
        #expect(back.timestampSeconds == s.timestampSeconds)
        #expect(back.guests == s.guests)
        #expect(back.processes == s.processes)
        #expect(back.host == s.host)
        #expect(back.libvirt == s.libvirt)
        #expect(back.collectors == s.collectors)
        #expect(back.storagePools.map(\.name) == ["default"])
        #expect(back.storagePools[0].availableBytes == 50)
        #expect(back.mdArrays.map(\.device) == ["md0"])
    }

    @Test func decoderRejectsOtherDocuments() {
        #expect(throws: SnapshotDecodeError.self) { try SnapshotDecoder.decode(Array("{\"a\":1}".utf8)) }
        #expect(throws: SnapshotDecodeError.self) { try SnapshotDecoder.decode(Array("not json".utf8)) }
        #expect(throws: SnapshotDecodeError.self) {
            try SnapshotDecoder.decode(Array("{\"schema\":\"hvexporter.snapshot\",\"schema_version\":2}".utf8))
        }
    }

    @Test func daemonURLs() throws {
        let u = try DaemonURL("http://127.0.0.1:9974")
        #expect(u.host == "127.0.0.1" && u.port == 9974 && u.basePath == "" && u.isLoopback)
        let v = try DaemonURL("http://admin:s3cret@hv1.example:8080/exporter/")
        #expect(v.host == "hv1.example" && v.port == 8080 && v.basePath == "/exporter" && !v.isLoopback)
        #expect(v.basicAuth == "YWRtaW46czNjcmV0")
        #expect(v.description == "http://***@hv1.example:8080/exporter/")
        let w = try DaemonURL("http://[::1]:9974")
        #expect(w.host == "::1" && w.isLoopback && w.hostHeader == "[::1]:9974")
        #expect(throws: DaemonURLError.self) { try DaemonURL("ftp://x:1") }
        #expect(throws: DaemonURLError.self) { try DaemonURL("http://x:99999") }
    }

    @Test func httpResponsesParse() throws {
        let u = try DaemonURL("http://127.0.0.1:1")
        let r = try DaemonClient.parseResponse(
            Array("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"found\":false}".utf8), url: u)
        #expect(r.status == 404 && String(decoding: r.body, as: UTF8.self) == "{\"found\":false}")
        #expect(throws: DaemonError.self) { try DaemonClient.parseResponse(Array("garbage".utf8), url: u) }
    }

    @Test func unreachableDaemonIsReportedOrReplaced() throws {
        // Port 1 on loopback: nothing listens. daemon mode reports; auto falls back to direct.
        let daemonOnly = SnapshotSource(url: try DaemonURL("http://127.0.0.1:1"), mode: .daemon, timeout: 2) {
            fatalError("must not collect directly")
        }
        #expect(throws: SourceError.self) { try daemonOnly.fetch() }
        let result = HostCheck(.libvirt, options: .init()).run(daemonOnly)
        #expect(result.status == .unknown)
        #expect(result.output.hasPrefix("HV LIBVIRT UNKNOWN - cannot reach hv-exporter at http://127.0.0.1:1"))
    }

    @Test func pidLookupReadsTheDaemonAnswer() throws {
        let body =
            #"{"pid":25992,"found":true,"host":false,"guest":{"name":"hv-run1","uuid":"671f","key":"671f","kind":"vm","driver":"qemu","state":"running"},"entries":[{"pid":25983,"tid":25992,"comm":"CPU 0/TCG","role":"vcpu","vcpu":0,"evidence":"pidfile"}]}"#
        let l = try PIDLookup(pid: 25992, daemonJSON: Array(body.utf8))
        #expect(l.owner?.name == "hv-run1")
        #expect(l.exitCode == 0)
        #expect(l.text.contains("thread 25992 of process 25983 \"CPU 0/TCG\""))
        let missing = try PIDLookup(pid: 5, daemonJSON: Array(#"{"pid":5,"found":false}"#.utf8))
        #expect(missing.exitCode == 1)
        let unlisted = try PIDLookup(
            pid: 25999,
            daemonJSON: Array(
                #"{"pid":25999,"found":true,"host":false,"thread_of":25983,"guest":{"name":"hv-run1","uuid":"671f","key":"671f","kind":"vm","driver":"qemu","state":"paused"},"entries":[{"pid":25983,"tid":25983,"comm":"qemu-system-x86","role":"emulator","evidence":"pidfile"},{"pid":25983,"tid":25992,"comm":"CPU 0/TCG","role":"vcpu","vcpu":0,"evidence":"pidfile"}]}"#
                    .utf8))
        #expect(unlisted.exitCode == 0 && unlisted.threadOf == 25983)
        #expect(unlisted.text.hasPrefix("PID 25999: guest hv-run1 (vm, qemu, paused)"))
        #expect(unlisted.text.contains("thread 25999 of process 25983 \"qemu-system-x86\" (started since the last read of its threads)"))
    }

    /// The thread group of a real thread of this process, through /proc.
    @Test func threadGroupOfARealThread() throws {
        let tid = Mutex<Int32>(0)
        let started = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            // "/proc/thread-self" names "<pid>/task/<tid>" of the calling thread.
            let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
            tid.withLock { $0 = Int32(link.split(separator: "/").last.flatMap { Int32($0) } ?? 0) }
            started.signal()
            done.wait()
        }
        t.start()
        started.wait()
        defer { done.signal() }
        let id = Int(tid.withLock { $0 })
        #expect(id > 0 && id != Int(getpid()))
        #expect(GuestMapper.threadGroup(of: id) == Int(getpid()))
        #expect(GuestMapper.threadGroup(of: Int(getpid())) == Int(getpid()))
        #expect(GuestMapper.threadGroup(of: id, procfs: "/nonexistent") == nil)
    }
}
