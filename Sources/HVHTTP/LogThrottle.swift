import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Rate-limits the server's warnings: per kind of message, at most one line per `interval`;
/// the lines held back are counted and reported with the next line of that kind, or by `flush`
/// once the interval is over ("... (and 341 similar in the last 5 s)").
///
/// A line's kind is its text with digits removed, so "refused 10.0.0.7:51234" and
/// "refused 10.0.0.9:40000" count together.
final class LogThrottle: Sendable {
    private struct Bucket {
        var lastEmitted: UInt64
        var suppressed = 0
        var lastSuppressedLine = ""
    }

    /// Nanoseconds between two lines of one kind.
    let interval: UInt64
    private let sink: @Sendable (String) -> Void
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Kinds remembered at most; further kinds share one bucket.
    static let maximumKinds = 64

    init(intervalNanoseconds: UInt64, sink: @escaping @Sendable (String) -> Void) {
        self.interval = intervalNanoseconds
        self.sink = sink
    }

    /// Logs `line` now, or counts it if a line of its kind went out less than `interval` ago.
    func log(_ line: String, now: UInt64 = MonotonicClock.now) {
        let out: String? = buckets.withLock { buckets in
            var key = Self.kind(of: line)
            if buckets[key] == nil && buckets.count >= Self.maximumKinds { key = "" }
            guard var bucket = buckets[key] else {
                buckets[key] = Bucket(lastEmitted: now)
                return line
            }
            if now &- bucket.lastEmitted >= interval {
                let text =
                    bucket.suppressed > 0
                    ? "\(line) (and \(bucket.suppressed) similar in the last \(Self.seconds(now &- bucket.lastEmitted)))" : line
                bucket = Bucket(lastEmitted: now)
                buckets[key] = bucket
                return text
            }
            bucket.suppressed += 1
            bucket.lastSuppressedLine = line
            buckets[key] = bucket
            return nil
        }
        if let out { sink(out) }
    }

    /// Reports counts held back for longer than `interval`, and forgets quiet kinds.
    func flush(now: UInt64 = MonotonicClock.now) {
        let lines: [String] = buckets.withLock { buckets in
            var lines: [String] = []
            for (key, bucket) in buckets where now &- bucket.lastEmitted >= interval {
                if bucket.suppressed > 0 {
                    let text =
                        bucket.suppressed == 1
                        ? bucket.lastSuppressedLine
                        : "\(bucket.lastSuppressedLine) (and \(bucket.suppressed - 1) similar in the last \(Self.seconds(now &- bucket.lastEmitted)))"
                    lines.append(text)
                    buckets[key] = Bucket(lastEmitted: now)
                } else {
                    buckets.removeValue(forKey: key)
                }
            }
            return lines
        }
        lines.forEach(sink)
    }

    static func kind(of line: String) -> String {
        String(line.unicodeScalars.filter { !("0"..."9").contains($0) }.prefix(120))
    }

    private static func seconds(_ nanoseconds: UInt64) -> String {
        "\(nanoseconds / 1_000_000_000) s"
    }
}

/// CLOCK_MONOTONIC in nanoseconds.
enum MonotonicClock {
    static var now: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
