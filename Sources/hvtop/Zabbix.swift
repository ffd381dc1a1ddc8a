import ArgumentParser
import HVTop

/// `hvtop zabbix discovery|get|keys`.
struct Zabbix: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Zabbix agent items: low-level discovery and single values (see docs/zabbix.md).",
        subcommands: [Discovery.self, Get.self, Keys.self]
    )

    struct Discovery: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Low-level discovery JSON (plain array) for guests, disks, interfaces, arrays or pools.")

        @OptionGroup var source: SourceOptions

        @Argument(help: ArgumentHelp("guests, disks, interfaces, arrays or pools", valueName: "what"))
        var what: String

        func validate() throws {
            guard ZabbixDiscovery(rawValue: what) != nil else {
                throw ValidationError("discovery of '\(what)': choose \(ZabbixDiscovery.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            do {
                let s = try source.makeSource().fetch()
                print(ZabbixDiscovery(rawValue: what)!.json(s.snapshot))
            } catch {
                printError("hvtop: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One value for one item key, e.g. 'hv.guest.cpu.util[vm1]' (or: hv.guest.cpu.util vm1).",
            discussion: "Errors go to standard error with exit status 1; Zabbix then marks the item unsupported."
        )

        @OptionGroup var source: SourceOptions

        @Argument(help: "Item key; `hvtop zabbix keys` lists them.")
        var key: String

        @Argument(help: "Key parameters as separate arguments (instead of [..] in the key).")
        var params: [String] = []

        @Option(name: .customLong("state-dir"), help: ArgumentHelp("Where earlier CPU readings are kept for rate keys.", valueName: "dir"))
        var stateDir: String?

        func run() throws {
            let get = ZabbixGet(source: source.makeSource(), cache: RateCache(directory: stateDir ?? RateCache.defaultDirectory()))
            do {
                print(try get.value(key, extra: params))
            } catch {
                printError("hvtop: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the item keys with their units and meaning.")

        func run() {
            for item in ZabbixItem.catalog {
                print("\(item.keyPattern)\t\(item.units.isEmpty ? "-" : item.units)\t\(item.help)")
            }
        }
    }
}
