// swift-tools-version: 6.0
import PackageDescription

// Layers (data flows one way):
//   C modules (CLibvirt, CMicroHTTPD, CUdev, CHVShims)
//   -> wrappers (HVLibvirt, HVUdev, HVHTTP; HVSystem for /proc, /sys, cgroups)
//   HVRuntime (threads, deadlines, locks) under HVCollect
//   -> HVCollect (collectors fill an immutable HVModel.Snapshot)
//   -> HVScrape (one scrape: catalog, plan, coordinator; shared by hv-exporter and hvtop)
//   -> HVExpose (Prometheus text, JSON) -> HVDaemon (HTTP routes, web config)
//   -> thin executables (hv-exporter, hvtop)
let package = Package(
    name: "hvexporter",
    products: [
        .executable(name: "hv-exporter", targets: ["hv-exporter"]),
        .executable(name: "hvtop", targets: ["hvtop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // MARK: C libraries (each imported by exactly one Swift module)
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt", providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        // What Swift cannot call: variadic MHD_start_daemon and friends.
        .target(
            name: "CHVShims", dependencies: ["CMicroHTTPD"],
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("crypt"), .linkedLibrary("gnutls")]),
        // hvtop's TLS client (a gnutls client session); imported only by HVTop.
        .target(name: "CHVTLS", linkerSettings: [.linkedLibrary("gnutls")]),

        // MARK: Pure layers
        .target(name: "HVModel"),
        // Version, git commit and build date for --version (scripts/package.sh and run.sh stamp it).
        .target(name: "HVBuildInfo"),
        // Threads, deadlines and locks: the one runtime for blocking calls (libvirt).
        .target(name: "HVRuntime"),
        .target(name: "HVSystem"),
        // What external tools and APIs print (JSON reader; smartctl, RAID CLIs, DRBD, zpool...).
        .target(name: "HVFormats"),
        .target(name: "HVExpose", dependencies: ["HVModel"]),

        // MARK: C wrappers
        .target(name: "HVLibvirt", dependencies: ["CLibvirt", "HVRuntime"]),
        .target(name: "HVUdev", dependencies: ["CUdev"]),
        .target(name: "HVHTTP", dependencies: ["CMicroHTTPD", "CHVShims", "HVRuntime"]),

        // MARK: Collection and the daemon
        .target(
            name: "HVCollect",
            dependencies: [
                "HVModel", "HVSystem", "HVFormats", "HVLibvirt", "HVUdev", "HVRuntime",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // One scrape: the collector catalog, the plan from declared inputs, the coordinator.
        // Below HVDaemon, so hvtop collects like the daemon without linking the HTTP server.
        .target(
            name: "HVScrape",
            dependencies: [
                "HVModel", "HVCollect", "HVRuntime",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "HVDaemon",
            dependencies: [
                "HVModel", "HVCollect", "HVScrape", "HVExpose", "HVHTTP",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: Thin executables
        .executableTarget(
            name: "hv-exporter",
            dependencies: [
                "HVDaemon", "HVScrape", "HVBuildInfo", "HVLibvirt",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "hvtop",
            dependencies: [
                "HVTop", "HVScrape", "HVBuildInfo", "HVLibvirt",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // hvtop's logic: data source (/json or direct collection), rates, TUI, Zabbix and Nagios checks.
        .target(
            name: "HVTop",
            dependencies: [
                "HVModel", "HVExpose", "HVScrape", "CHVTLS", "HVBuildInfo", "HVCollect",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: Tests (one target per module, plus the real-lab integration suite)
        .testTarget(name: "HVSystemTests", dependencies: ["HVSystem", "LabSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HVExposeTests", dependencies: ["HVExpose", "HVModel", "LabSupport"]),
        .testTarget(name: "HVLibvirtTests", dependencies: ["HVLibvirt", "LabSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "HVCollectTests", dependencies: ["HVCollect", "HVModel", "HVSystem", "HVExpose", "HVRuntime", "LabSupport", "HVScrape"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "HVUdevTests", dependencies: ["HVUdev"]),
        .testTarget(name: "HVHTTPTests", dependencies: ["HVHTTP", "LabSupport"]),
        .testTarget(name: "HVDaemonTests", dependencies: ["HVDaemon", "HVScrape", "HVModel", "HVRuntime"]),
        .testTarget(name: "HVRuntimeTests", dependencies: ["HVRuntime"]),
        .testTarget(name: "HVFormatsTests", dependencies: ["HVFormats", "LabSupport"], resources: [.copy("Fixtures")]),
        // Runs the real binaries against the real lab (scripts/lab/up.sh); depends on them so they are built.
        .testTarget(name: "HVTopTests", dependencies: ["HVTop", "HVModel", "HVCollect"]),
        .testTarget(
            name: "IntegrationTests", dependencies: ["HVModel", "HVExpose", "LabSupport", "hv-exporter", "hvtop"],
            exclude: ["Golden"]),
        // Shared by the tests: lab state, the promtool runner, bounded polls, commands that may
        // start daemons (posix_spawn, waitpid), fake tools, the fuzz tests' SplitMix64.
        .target(name: "LabSupport", path: "Tests/LabSupport"),
    ]
)
