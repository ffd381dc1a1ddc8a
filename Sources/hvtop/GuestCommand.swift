import ArgumentParser
import HVTop

/// `hvtop guest NAME`.
struct GuestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guest",
        abstract: "Everything about one guest: identity, CPU and vCPUs, memory, disks, interfaces, cgroup, jobs, processes.",
        discussion: "NAME is the guest's name, UUID or key. Exit status: 0 found, 1 no such guest, 2 no data source."
    )

    @OptionGroup var source: SourceOptions

    @Argument(help: "Guest name, UUID or key.")
    var name: String

    @Flag(name: .long, help: "The guest's object from /json, with its processes added.")
    var json = false

    func run() throws {
        let sample: Sample
        do { sample = try source.makeSource().fetch() } catch {
            printError("hvtop: \(error)")
            throw ExitCode(2)
        }
        for w in source.warnings(for: sample.source) { printError("hvtop: warning: \(w)") }
        guard let g = GuestLookup.find(sample.snapshot, name) else {
            printError("hvtop: " + GuestLookup.notFound(sample.snapshot, name))
            throw ExitCode(1)
        }
        if json {
            do { print(try GuestReport.json(sample, guestKey: g.key), terminator: "") } catch {
                printError("hvtop: \(error)")
                throw ExitCode(2)
            }
        } else {
            print(GuestReport(guest: g, snapshot: sample.snapshot).text, terminator: "")
        }
    }
}
