import Foundation
import LabSupport

/// Fixture files of this test target (`Fixtures/<area>/<file>`), as bytes.
enum FormatsFixture {
    static func url(_ path: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(path)
    }

    static func bytes(_ path: String) -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: url(path).path) else { fatalError("missing fixture \(path)") }
        return Array(d)
    }

    /// Files of a fixture folder (README.md left out), sorted, as paths relative to Fixtures.
    static func files(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url(folder).path)) ?? []
        return names.filter { $0 != "README.md" }.sorted().map { "\(folder)/\($0)" }
    }
}

/// Mutations of `inputs` (byte flips, deletions, insertions from `alphabet`, truncations) for
/// fuzz tests: `count` inputs, the same every run.
func fuzzInputs(from inputs: [[UInt8]], alphabet: [UInt8], count: Int = 3000, seed: UInt64 = 0x5EED_CAFE) -> [[UInt8]] {
    var rng = SplitMix64(seed: seed)
    var out: [[UInt8]] = []
    for i in 0..<count {
        var input: [UInt8]
        if i % 3 == 0 || inputs.isEmpty {
            let len = Int(rng.next() % 200)
            input = (0..<len).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
        } else {
            input = inputs[Int(rng.next() % UInt64(inputs.count))]
            if i % 3 == 1, !input.isEmpty { input = Array(input[0..<Int(rng.next() % UInt64(input.count))]) }
            for _ in 0..<(1 + Int(rng.next() % 8)) where !input.isEmpty {
                let at = Int(rng.next() % UInt64(input.count))
                switch rng.next() % 3 {
                case 0: input[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: input.remove(at: at)
                default: input.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                }
            }
        }
        out.append(input)
    }
    return out
}
