/// Why a tool's output could not be read as the format expected (not JSON, wrong shape, no
/// recognisable line), with the tool named so an operator knows where to look.
public struct StorageToolFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
