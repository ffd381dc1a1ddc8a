import Foundation

/// A real `hv-exporter` process started by a test, on a free loopback port.
final class ExporterProcess: @unchecked Sendable {
    let process = Process()
    private(set) var port: Int = 0
    private let logPipe = Pipe()
    private let logLock = NSLock()
    private var logText = ""

    /// Path of the built binary: $HV_EXPORTER_BIN, else next to the test bundle.
    static var binary: URL {
        if let p = ProcessInfo.processInfo.environment["HV_EXPORTER_BIN"] { return URL(fileURLWithPath: p) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("hv-exporter")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Lab.root.appendingPathComponent(".build/debug/hv-exporter")
    }

    init(_ args: [String]) throws {
        process.executableURL = Self.binary
        process.arguments = ["--web.listen-address=127.0.0.1:0"] + args
        process.standardError = logPipe
        process.standardOutput = logPipe
        logPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.logLock.lock(); self.logText += String(decoding: d, as: UTF8.self); self.logLock.unlock()
        }
        try process.run()
        var found: Int?
        for _ in 0..<100 {
            if let r = log.range(of: #"port=(\d+)"#, options: .regularExpression) {
                found = Int(log[r].dropFirst(5))
                break
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let found else {
            process.terminate()
            throw LabError("hv-exporter did not start: \(log)")
        }
        self.port = found
    }

    var log: String { logLock.lock(); defer { logLock.unlock() }; return logText }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        logPipe.fileHandleForReading.readabilityHandler = nil
    }

    deinit { stop() }

    /// GET a path; returns status, body and the seconds it took.
    func get(_ path: String, timeout: Double = 30) throws -> (status: Int, body: String, seconds: Double) {
        let t0 = Date()
        let (rc, out) = try Lab.run(["curl", "-sS", "-m", String(Int(timeout)), "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"])
        guard rc == 0, let nl = out.lastIndex(of: "\n") else { throw LabError("curl \(path): rc=\(rc) \(out)") }
        return (Int(out[out.index(after: nl)...]) ?? 0, String(out[..<nl]), Date().timeIntervalSince(t0))
    }

    func metrics() throws -> Exposition {
        let r = try get("/metrics")
        guard r.status == 200 else { throw LabError("/metrics status \(r.status)") }
        return Exposition(r.body)
    }
}

/// Parsed Prometheus text: samples by family name, labels as a dictionary.
struct Exposition {
    struct Sample { let name: String; let labels: [String: String]; let value: Double }
    let text: String
    let samples: [Sample]

    init(_ text: String) {
        self.text = text
        var out: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let sp = line.lastIndex(of: " ") else { continue }
            let series = line[..<sp]
            let value = Double(line[line.index(after: sp)...]) ?? .nan
            var labels: [String: String] = [:]
            var name = String(series)
            if let brace = series.firstIndex(of: "{") {
                name = String(series[..<brace])
                var s = series[series.index(after: brace)...].dropLast()   // drop "}"
                while let eq = s.firstIndex(of: "=") {
                    let key = String(s[..<eq])
                    var i = s.index(eq, offsetBy: 2)   // skip ="
                    var v = ""
                    while i < s.endIndex && s[i] != "\"" {
                        if s[i] == "\\" {
                            i = s.index(after: i)
                            v.append(s[i] == "n" ? "\n" : s[i])
                        } else {
                            v.append(s[i])
                        }
                        i = s.index(after: i)
                    }
                    labels[key] = v
                    s = s[s.index(after: i)...]
                    if s.first == "," { s = s.dropFirst() }
                }
            }
            out.append(Sample(name: name, labels: labels, value: value))
        }
        samples = out
    }

    func values(_ name: String, _ match: [String: String] = [:]) -> [Double] {
        samples.filter { s in s.name == name && match.allSatisfy { k, v in s.labels[k] == v } }.map(\.value)
    }

    func value(_ name: String, _ match: [String: String] = [:]) -> Double? {
        let v = values(name, match)
        return v.count == 1 ? v[0] : nil
    }

    var familyCount: Int { Set(samples.map(\.name)).count }
}
