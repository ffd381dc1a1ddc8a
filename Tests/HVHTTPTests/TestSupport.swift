import Foundation

@testable import HVHTTP

/// Starts a server on 127.0.0.1 with a kernel-chosen port, runs `body`, stops the server.
func withServer<Result>(
    _ configuration: HTTPServer.Configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0"),
    handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse,
    _ body: (HTTPServer) throws -> Result
) throws -> Result {
    let server = try HTTPServer(configuration: configuration, handler: handler)
    defer { server.stop() }
    return try body(server)
}

/// Output and exit status of a child process (curl, openssl, gzip).
struct ToolResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs an executable to completion with `stdin` fed in.
func runTool(_ path: String, _ arguments: [String], stdin: Data? = nil) throws -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        try input.fileHandleForWriting.write(contentsOf: stdin)
        try input.fileHandleForWriting.close()
    }
    // Children here write little to stderr (curl -sS, openssl -quiet); stdout is read first.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errorData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolResult(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errorData, as: UTF8.self))
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hvhttp-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Collects log lines from the server for assertions.
final class LogCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var lines: [String] { lock.withLock { storage } }
    var logger: @Sendable (String) -> Void {
        { [self] line in lock.withLock { storage.append(line) } }
    }
}
