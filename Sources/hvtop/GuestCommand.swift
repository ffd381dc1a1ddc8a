import ArgumentParser
import HVTop

/// `hvtop guest NAME`.
struct GuestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guest",
        abstract: "Everything about one guest: identity, CPU and vCPUs, memory, disks, interfaces, cgroup, jobs, processes.",
        discussion: """
            NAME is the guest's name, UUID, key or driver:name (qemu:web, lxc-tools:web). A VM and a \
            container may share a name: then hvtop lists the candidates (kind, driver, UUID) and asks \
            for a UUID or driver:name. Exit status: 0 found, 1 no such guest, 2 no data source, \
            3 the name is ambiguous (UNKNOWN to a Nagios-style caller).
            """
    )

    @OptionGroup var source: SourceOptions

    @Argument(help: "Guest name, UUID, key or driver:name.")
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
        let match = GuestLookup.match(sample.snapshot, name)
        if case .ambiguous(let candidates) = match {
            printError("hvtop: \(candidates.count) guests are named '\(Format.printable(name))'; say which:")
            for c in candidates {
                printError("  \(GuestLookup.candidateLine(c))\thvtop guest \(shellWord(GuestLookup.selector(c)))")
            }
            throw ExitCode(3)
        }
        guard case .one(let g) = match else {
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

/// `word` quoted for a POSIX shell when it holds anything but letters, digits and `-_.:/@`.
private func shellWord(_ word: String) -> String {
    let plain =
        !word.isEmpty
        && word.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.:/@".unicodeScalars.contains($0))
        }
    return plain ? word : "'" + word.replacing("'", with: "'\\''") + "'"
}
