/// What `--version` prints about this build: the release version (kept here, the one place it
/// is written), and the git commit and build date that scripts/package.sh and scripts/run.sh
/// stamp into the build. A plain `swift build` does not know them and says "unknown".
///
/// The stamp is a generated file, `BuildStamp.generated.swift` in this folder (not in git),
/// compiled only when the build passes `-Xswiftc -DHV_BUILD_STAMP`: a stale stamp left by an
/// earlier packaging run never reaches a plain build.
public enum BuildInfo {
    /// Release version, e.g. "0.1.0" (also the Debian package version).
    public static let version = "0.1.0"

    /// Abbreviated git commit the binary was built from, with "-dirty" when the tree had
    /// uncommitted changes; "unknown" for a plain `swift build`.
    public static var revision: String {
        #if HV_BUILD_STAMP
        BuildStamp.revision
        #else
        "unknown"
        #endif
    }

    /// UTC date of the build (YYYY-MM-DD, or `SOURCE_DATE_EPOCH`'s date when set); "unknown"
    /// for a plain `swift build`.
    public static var date: String {
        #if HV_BUILD_STAMP
        BuildStamp.date
        #else
        "unknown"
        #endif
    }

    /// The line `--version` prints, in the Prometheus exporters' shape:
    /// `hv-exporter, version 0.1.0 (revision: abc1234, built: 2026-12-06, libvirt: 9.0.0)`.
    /// - Parameters:
    ///   - program: the executable's name.
    ///   - libvirt: the libvirt version the binary was compiled against.
    public static func versionLine(program: String, libvirt: String) -> String {
        "\(program), version \(version) (revision: \(revision), built: \(date), libvirt: \(libvirt))"
    }
}
