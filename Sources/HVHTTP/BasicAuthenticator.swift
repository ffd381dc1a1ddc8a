import CHVShims
import Synchronization

/// Checks HTTP basic-auth credentials against bcrypt hashes (the `basic_auth_users` map of a
/// Prometheus `--web.config.file`). Verification is libcrypt's crypt_rn(3) (libxcrypt knows
/// `$2a$`, `$2b$`, `$2y$`) followed by a constant-time compare, in `hv_bcrypt_verify`.
struct BasicAuthenticator: Sendable {
    /// The realm sent in `WWW-Authenticate` with every 401.
    static let realm = "hv-exporter"

    /// A valid cost-10 bcrypt hash of a random string: unknown users are checked against it so
    /// that a wrong user name costs as much time as a wrong password.
    static let dummyHash = "$2b$10$jAdjK2r93nOR7epo.D4MpO80/xha8z7ow.B00nY2CGA/uhORUBCAC"

    private let users: [String: String]
    /// Credentials verified recently (see `VerifiedCredentials`).
    let verified = VerifiedCredentials(capacity: 64)
    /// bcrypt computations done (tests: a cached verification costs none).
    let bcryptComputations = ComputationCounter()

    /// Fails with `.invalidConfiguration` naming the first user (in sorted order) whose hash is
    /// not bcrypt, so a plain-text password in the config never silently locks everyone out.
    init(users: [String: String]) throws(HTTPServerError) {
        for user in users.keys.sorted() {
            let hash = users[user] ?? ""
            if hv_bcrypt_is_valid_hash(hash) == 0 {
                throw HTTPServerError(
                    kind: .invalidConfiguration, subject: "basic_auth_users[\(user)]",
                    message: "the password must be a bcrypt hash ($2a$/$2b$/$2y$, 60 characters), e.g. from `htpasswd -nBC 10 \(user)`")
            }
        }
        self.users = users
    }

    /// True when `user` exists and `password` matches its hash. Takes one bcrypt computation
    /// whether or not the user exists, unless these very credentials were verified recently:
    /// bcrypt is slow on purpose (cost 10: tens of milliseconds of CPU), and Prometheus sends
    /// the same credentials with every scrape. Failures are never cached, so guessing still
    /// costs a bcrypt computation per try.
    func verify(user: String, password: UnsafePointer<CChar>) -> Bool {
        guard let hash = users[user] else {
            bcryptComputations.add()
            _ = hv_bcrypt_verify(password, Self.dummyHash)
            return false
        }
        let key = verified.key(user: user, password: password, hash: hash)
        if let key, verified.contains(key) { return true }
        bcryptComputations.add()
        guard hv_bcrypt_verify(password, hash) == 1 else { return false }
        if let key { verified.insert(key) }
        return true
    }
}

/// Credentials that passed bcrypt recently, as digests: SHA-256 of a random per-process secret,
/// the user, the password and the user's hash, so no password is kept in memory and a changed
/// hash (a reloaded `--web.config.file`) matches nothing. At most `capacity` entries; the
/// oldest goes first. The exporter toolkit of the Prometheus exporters caches the same way.
final class VerifiedCredentials: Sendable {
    let capacity: Int
    private let secret: [UInt8]
    private let state = Mutex<(set: Set<[UInt8]>, order: [[UInt8]])>(([], []))

    init(capacity: Int) {
        self.capacity = capacity
        var s = [UInt8](repeating: 0, count: 32)
        // Without randomness there is no cache (every verification computes bcrypt).
        secret = hv_random(&s, s.count) == 0 ? s : []
    }

    /// The digest naming these credentials; nil when it cannot be made (no secret).
    func key(user: String, password: UnsafePointer<CChar>, hash: String) -> [UInt8]? {
        guard !secret.isEmpty else { return nil }
        var input = secret
        input.append(contentsOf: user.utf8)
        input.append(0)
        var p = password
        while p.pointee != 0 {
            input.append(UInt8(bitPattern: p.pointee))
            p += 1
        }
        input.append(0)
        input.append(contentsOf: hash.utf8)
        var out = [UInt8](repeating: 0, count: 32)
        let rc = input.withUnsafeBytes { hv_sha256($0.baseAddress, $0.count, &out) }
        for i in input.indices { input[i] = 0 }
        return rc == 0 ? out : nil
    }

    func contains(_ key: [UInt8]) -> Bool { state.withLock { $0.set.contains(key) } }

    func insert(_ key: [UInt8]) {
        state.withLock { s in
            guard s.set.insert(key).inserted else { return }
            s.order.append(key)
            if s.order.count > capacity { s.set.remove(s.order.removeFirst()) }
        }
    }

    var count: Int { state.withLock { $0.set.count } }
}

/// A thread-safe counter.
final class ComputationCounter: Sendable {
    private let value = Atomic<Int>(0)
    func add() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}
