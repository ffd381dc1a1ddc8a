import Logging
import Synchronization

/// Logs a collector's "nothing to watch here" or "tool missing" notice once per change, not
/// once per scrape: `note("...")` logs when the text differs from the last one, `note(nil)`
/// clears it (logged as back when something had been noted).
final class PresenceLog: Sendable {
    private let last = Mutex<String?>(nil)
    let collector: String
    let logger: Logger

    init(collector: String, logger: Logger) {
        self.collector = collector
        self.logger = logger
    }

    func note(_ message: String?) {
        let changed = last.withLock { prev -> Bool in
            defer { prev = message }
            return prev != message
        }
        guard changed, let message else { return }
        logger.info("\(collector): \(message)")
    }
}
