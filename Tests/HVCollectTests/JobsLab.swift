import Foundation
import HVCollect
import LabSupport
import Logging

/// Helpers for the storage pool and job tests that run against the real lab
/// (`scripts/lab/up.sh`, state in `.lab/state.env` at the repository root found from
/// #filePath). They make their own guests (`hv-job-*`, TCG, the lab's kernel and initramfs
/// copied next to a fresh qcow2 under `.lab/jobs/`) and pools (`hvp-*`), and remove them.
enum JobsLab {
    static let root = LabState.checkoutRoot
    static let workDir = LabState.current.directory + "/jobs"
    static let uri = "qemu:///system"
    static let peerURI = "qemu+tcp://10.98.0.2/system"

    /// The lab's state (LabSupport); suites here use `.lab(.root)` and wait for libvirtd
    /// themselves (other suites restart it).
    static var state: LabState { LabState.current }

    static let logger: Logger = {
        var l = Logger(label: "jobs-lab")
        l.logLevel = .debug
        return l
    }()

    /// Suffix for the names of what the tests create (guests, pools): another checkout's
    /// test run on this machine (CI copies) uses the same libvirtd.
    static let tag = String(getpid())

    // MARK: one test run at a time

    /// An exclusive lock across processes (flock on /run/lock/hvexporter-jobs-lab.lock): the
    /// migration peer (netns, 10.98.0.x) exists once per machine, and slowed-down saves or
    /// pool refreshes of two runs would disturb each other's timings.
    final class Lease {
        private let fd: Int32
        init() throws {
            let dir = FileManager.default.fileExists(atPath: "/run/lock") ? "/run/lock" : "/tmp"
            fd = open(dir + "/hvexporter-jobs-lab.lock", O_CREAT | O_RDWR, 0o644)
            guard fd >= 0 else { throw CommandError(description: "cannot open the lab lock file") }
            let end = Date().addingTimeInterval(1800)
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                if Date() > end { close(fd); throw CommandError(description: "another test run held the jobs lab lock for 30 minutes") }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        func release() {
            flock(fd, LOCK_UN)
            close(fd)
        }
    }

    // MARK: commands

    struct CommandError: Error, CustomStringConvertible { let description: String }

    /// Runs a command (through /usr/bin/env), waits, returns exit status and stdout+stderr.
    @discardableResult
    /// Runs a command (posix_spawn and waitpid: peer-up.sh starts daemons, which could leave
    /// Foundation's Process waiting forever).
    static func run(_ args: [String]) -> (status: Int32, output: String) {
        do {
            let (rc, out) = try Spawn.run(["/usr/bin/env"] + args, timeout: 600)
            return (rc, out)
        } catch { return (-1, "\(error)") }
    }

    /// Starts a command without waiting; its output goes to `log`.
    static func start(_ args: [String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let h = FileHandle(forWritingAtPath: log)
        p.standardOutput = h
        p.standardError = h
        try p.run()
        return p
    }

    /// virsh with a time limit (a stuck libvirtd must not hang the tests).
    @discardableResult
    static func virsh(_ args: String..., uri: String = uri, seconds: Int = 120) -> (status: Int32, output: String) {
        run(["timeout", "\(seconds)", "virsh", "-q", "-c", uri] + args)
    }

    /// Like `virsh` but throws with libvirt's message on failure.
    @discardableResult
    static func mustVirsh(_ args: String..., uri: String = uri) throws -> String {
        let r = run(["timeout", "120", "virsh", "-q", "-c", uri] + args)
        guard r.status == 0 else { throw CommandError(description: "virsh \(args.joined(separator: " ")): \(r.output)") }
        return r.output
    }

    /// Polls `condition` every `interval` seconds for at most `seconds`.
    static func waitUntil(_ seconds: Double, interval: Double = 0.5, _ condition: () -> Bool) -> Bool {
        Poll.until(timeout: .milliseconds(Int(seconds * 1000)), every: .milliseconds(Int(interval * 1000)), condition)
    }

    /// Other test suites restart libvirtd now and then: wait until it answers.
    static func waitForLibvirtd(_ u: String = uri) throws {
        guard waitUntil(90, interval: 1, { virsh("version", uri: u, seconds: 15).status == 0 }) else {
            throw CommandError(description: "libvirtd does not answer on \(u)")
        }
    }

    // MARK: guests

    /// A guest of our own: 192 MiB, 1 vCPU, TCG, one virtio disk (fresh 64 MiB qcow2), no
    /// network (so it can migrate to a peer that lacks the lab bridge), serial console to a
    /// file. Started and booted (its load loop runs) when this returns.
    struct TestGuest {
        let name: String
        let dir: String
        var uuid: String
        var disk: String { dir + "/disk.qcow2" }
        var console: String { dir + "/console.log" }
    }

    static func makeGuest(_ name: String) throws -> TestGuest {
        try waitForLibvirtd()
        removeGuest(name)
        let dir = workDir + "/" + name
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Own copies: the lab may rebuild its image while we run.
        let s = state
        let kernel = s["LAB_KERNEL"] ?? s.directory + "/image/vmlinuz"
        let initrd = s["LAB_INITRD"] ?? s.directory + "/image/initrd.img"
        try FileManager.default.copyItem(atPath: kernel, toPath: dir + "/vmlinuz")
        try FileManager.default.copyItem(atPath: initrd, toPath: dir + "/initrd.img")
        let img = run(["qemu-img", "create", "-q", "-f", "qcow2", dir + "/disk.qcow2", "64M"])
        guard img.status == 0 else { throw CommandError(description: "qemu-img: \(img.output)") }
        let xml = """
            <domain type='qemu'>
              <name>\(name)</name>
              <title>hvexporter jobs test guest</title>
              <memory unit='MiB'>192</memory>
              <currentMemory unit='MiB'>192</currentMemory>
              <vcpu placement='static'>1</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>\(dir)/vmlinuz</kernel>
                <initrd>\(dir)/initrd.img</initrd>
                <cmdline>console=ttyS0 loglevel=4 panic=-1 hv.name=\(name) hv.sleep=1</cmdline>
              </os>
              <clock offset='utc'/>
              <on_poweroff>destroy</on_poweroff>
              <on_reboot>restart</on_reboot>
              <on_crash>destroy</on_crash>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2'/>
                  <source file='\(dir)/disk.qcow2'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <serial type='file'><source path='\(dir)/console.log'/><target port='0'/></serial>
                <console type='file'><source path='\(dir)/console.log'/><target type='serial' port='0'/></console>
                <memballoon model='virtio'/>
              </devices>
            </domain>
            """
        try xml.write(toFile: dir + "/domain.xml", atomically: true, encoding: .utf8)
        try mustVirsh("define", dir + "/domain.xml")
        try mustVirsh("start", name)
        let uuid = try mustVirsh("domuuid", name).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let g = TestGuest(name: name, dir: dir, uuid: uuid)
        // TCG boot plus first load round: a few seconds of CPU (slower when the machine is busy).
        let booted = waitUntil(120, interval: 0.5) {
            ((try? String(contentsOfFile: g.console, encoding: .utf8)) ?? "").contains("hvload round=1 ")
        }
        guard booted else { throw CommandError(description: "guest \(name) did not start its load loop within 120 s") }
        return g
    }

    /// Destroys and undefines `name` on the lab daemon (and on the migration peer if it
    /// answers); removes its managed save image and directory.
    static func removeGuest(_ name: String, removeFiles: Bool = false) {
        for u in [uri, peerURI] {
            if u == peerURI && run(["timeout", "5", "virsh", "-q", "-c", u, "version"]).status != 0 { continue }
            virsh("destroy", name, uri: u, seconds: 60)
            virsh("undefine", "--managed-save", name, uri: u, seconds: 60)
        }
        if removeFiles { try? FileManager.default.removeItem(atPath: workDir + "/" + name) }
    }

    /// PID of the guest's QEMU process (from libvirt's pid file).
    static func qemuPID(_ name: String) -> pid_t? {
        guard let s = try? String(contentsOfFile: "/run/libvirt/qemu/\(name).pid", encoding: .utf8) else { return nil }
        return pid_t(s.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Starts `virsh save` and makes it last about 10 s while QEMU's monitor stays quick.
    ///
    /// Throttling the whole emulator cgroup (`schedinfo emulator_quota`) slows the save, but
    /// also QEMU's main loop, which answers the monitor: job queries then outlast a scrape's
    /// deadline, and on a busy machine no sample of a running save is seen. So the emulator
    /// is throttled only until QEMU's `live_migration` thread (which writes the save) exists;
    /// that thread alone is moved to a child cgroup with a small CPU quota, and the emulator
    /// cgroup's quota is lifted by writing the cgroup file (libvirt refuses `schedinfo`
    /// while the save job holds the domain). cgroup v1 (`tasks`) and v2 (threaded child,
    /// `cgroup.threads`) hosts are both handled.
    static func startSlowSave(_ g: TestGuest, to image: String, log: String) throws -> Process {
        guard let pid = qemuPID(g.name) else { throw CommandError(description: "\(g.name): no QEMU pid file") }
        try mustVirsh("schedinfo", g.name, "--live", "emulator_period=1000000", "emulator_quota=5000")
        let save = try start(["virsh", "-c", uri, "save", g.name, image], log: log)
        var thread: String?
        let found = waitUntil(30, interval: 0.02) {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            thread = tasks.first {
                (try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) == "live_migration"
            }
            return thread != nil || !save.isRunning
        }
        guard found, let tid = thread else {
            throw CommandError(description: "\(g.name): QEMU's live_migration thread not seen (save running: \(save.isRunning))")
        }
        let cgroups = (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/cgroup", encoding: .utf8)) ?? ""
        func write(_ value: String, _ path: String) throws {
            do { try value.write(toFile: path, atomically: false, encoding: .utf8) } catch {
                throw CommandError(description: "writing \(value) to \(path): \(error)")
            }
        }
        let lines = cgroups.split(separator: "\n").map(String.init)
        if let v1 = lines.first(where: { $0.split(separator: ":").dropFirst().first?.split(separator: ",").contains("cpu") == true }) {
            let emulator = "/sys/fs/cgroup/cpu" + v1.split(separator: ":", maxSplits: 2)[2]
            let slow = emulator + "/hvslow"
            try? FileManager.default.createDirectory(atPath: slow, withIntermediateDirectories: false)
            // A child's share must not exceed its parent's (0.5 %) while the thread moves.
            try write("300000", slow + "/cpu.cfs_period_us")
            try write("1000", slow + "/cpu.cfs_quota_us")
            try write(tid, slow + "/tasks")
            try write("-1", emulator + "/cpu.cfs_quota_us")
        } else if let v2 = lines.first(where: { $0.hasPrefix("0::") }) {
            let emulator = "/sys/fs/cgroup" + v2.dropFirst(3)
            let slow = emulator + "/hvslow"
            try? FileManager.default.createDirectory(atPath: slow, withIntermediateDirectories: false)
            try write("threaded", slow + "/cgroup.type")
            try write("+cpu", emulator + "/cgroup.subtree_control")
            try write("1000 300000", slow + "/cpu.max")
            try write(tid, slow + "/cgroup.threads")
            try write("max 1000000", emulator + "/cpu.max")
        } else {
            throw CommandError(description: "\(g.name): no cpu cgroup for QEMU thread \(tid) in: \(cgroups)")
        }
        return save
    }

    // MARK: the exporter side

    static func session(_ u: String = uri) -> LibvirtSession { LibvirtSession(uri: u, logger: logger) }
}
