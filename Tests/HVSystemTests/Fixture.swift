import Foundation

/// Fixture files live next to the tests (Tests/HVSystemTests/Fixtures), found from #filePath
/// so that tests read exactly the checked-in bytes.
enum Fixture {
    static let directory: String = {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return here.appendingPathComponent("Fixtures").path
    }()

    static func path(_ relative: String) -> String { directory + "/" + relative }

    static func bytes(_ relative: String) -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path(relative)) else {
            fatalError("missing fixture \(relative)")
        }
        return [UInt8](d)
    }

    /// Relative paths of all files in a fixture sub-folder, sorted.
    static func files(in folder: String, suffix: String = "") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path(folder))) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { folder + "/" + $0 }
    }
}
