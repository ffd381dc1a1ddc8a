import CHVShims

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
    /// whether or not the user exists.
    func verify(user: String, password: UnsafePointer<CChar>) -> Bool {
        guard let hash = users[user] else {
            _ = hv_bcrypt_verify(password, Self.dummyHash)
            return false
        }
        return hv_bcrypt_verify(password, hash) == 1
    }
}
