import ArgumentParser
import HVExpose
import HVTop

/// `hvtop pid N`.
struct Pid: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Which guest owns process or thread PID, and in which role.",
        discussion: "Exit status: 0 the PID belongs to a guest; 1 it is a host process or was not found; 2 no data source."
    )

    @OptionGroup var source: SourceOptions

    @Argument(help: "Process or thread ID.")
    var pid: Int

    @Flag(name: .long, help: "Print the lookup as JSON (the daemon's /json?pid=N answer).")
    var json = false

    func validate() throws {
        guard pid > 0 else { throw ValidationError("PID must be a positive integer") }
    }

    func run() throws {
        let src = source.makeSource()
        let lookup: PIDLookup
        do {
            if let r = try src.daemonPidLookup(pid) {
                if json {
                    print(String(decoding: r.body, as: UTF8.self))
                    throw ExitCode((r.status == 200 && !(String(decoding: r.body, as: UTF8.self).contains("\"host\":true"))) ? 0 : 1)
                }
                guard r.status == 200 || r.status == 404 else {
                    printError("hvtop: hv-exporter answered HTTP \(r.status): \(String(decoding: r.body.prefix(200), as: UTF8.self))")
                    throw ExitCode(2)
                }
                lookup = try PIDLookup(pid: pid, daemonJSON: r.body)
            } else {
                let sample = try src.fetch()
                for w in source.warnings(for: sample.source) { printError("hvtop: warning: \(w)") }
                lookup = PIDLookup(pid: pid, directCollection: sample.snapshot, procfs: source.procfs)
                if json {
                    print(lookup.jsonText, terminator: "")
                    throw ExitCode(lookup.exitCode)
                }
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            printError("hvtop: \(error)")
            throw ExitCode(2)
        }
        print(lookup.text, terminator: "")
        throw ExitCode(lookup.exitCode)
    }
}
