import ArgumentParser
import Glibc
import HVTop

/// The interactive view, or the guest table in batch mode (-b).
struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Guests with CPU, steal, memory, disk and network rates (the default).",
        discussion:
            "Interactive keys: c/m/d/n/a sort, / filter, Enter or p processes, b blocks, i interfaces, s storage, j jobs, ? help, q quit."
    )

    @OptionGroup var source: SourceOptions

    @Option(name: [.short, .long], help: ArgumentHelp("Seconds between refreshes.", valueName: "seconds"))
    var delay: Double = 2

    @Flag(name: [.short, .customLong("batch")], help: "Batch mode: print the guest table instead of the interactive view.")
    var batch = false

    @Option(
        name: [.customShort("n"), .customLong("iterations")],
        help: ArgumentHelp("Batch mode: number of tables to print (each with rates from the previous sample).", valueName: "count"))
    var count: Int = 1

    @Flag(name: .long, help: "Batch mode: one JSON object per line.")
    var json = false

    @Flag(name: .long, help: "Batch mode: CSV with a header line.")
    var csv = false

    @Option(name: .long, help: ArgumentHelp("Sort by cpu, memory, disk, network or name.", valueName: "key"))
    var sort: String = "cpu"

    @Option(name: .long, help: ArgumentHelp("Only guests whose name contains this (case-insensitive).", valueName: "text"))
    var filter: String = ""

    func validate() throws {
        guard delay >= 0.1 else { throw ValidationError("--delay must be at least 0.1 seconds") }
        guard count >= 1 else { throw ValidationError("-n must be at least 1") }
        guard SortKey(rawValue: sort) != nil else {
            throw ValidationError("--sort must be one of \(SortKey.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard !(json && csv) else { throw ValidationError("choose one of --json and --csv") }
        if (json || csv) && !batch { throw ValidationError("--json and --csv are batch output: add -b") }
    }

    func run() throws {
        let src = source.makeSource()
        let sortKey = SortKey(rawValue: sort)!
        if batch { return try runBatch(src, sortKey) }
        let app: TopApp
        do {
            app = try TopApp(
                sampler: Sampler(source: src, delay: delay), state: TopState(sort: sortKey, filter: filter),
                warnings: { [source] in source.warnings(for: $0) })
        } catch {
            printError("hvtop: \(error)")
            throw ExitCode(2)
        }
        app.run()
    }

    /// Prints `count` tables; the first one's rates come from a priming sample taken
    /// `delay` seconds before it.
    func runBatch(_ src: SnapshotSource, _ sortKey: SortKey) throws {
        let out = BatchOutput(format: json ? .json : csv ? .csv : .text, sort: sortKey, filter: filter)
        var previous: Sample
        do { previous = try src.fetch() } catch {
            printError("hvtop: \(error)")
            throw ExitCode(2)
        }
        for w in source.warnings(for: previous.source) { printError("hvtop: warning: \(w)") }
        for i in 1...count {
            usleep(useconds_t(delay * 1_000_000))
            let current: Sample
            do { current = try src.fetch() } catch {
                printError("hvtop: \(error)")
                throw ExitCode(2)
            }
            print(out.render(current, previous: previous, iteration: i), terminator: "")
            fflush(nil)
            previous = current
        }
    }
}
