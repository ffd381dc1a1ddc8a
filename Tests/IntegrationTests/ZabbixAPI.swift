import Foundation
import LabSupport
import Testing

/// The JSON-RPC API of the lab's Zabbix 6.0 frontend (scripts/lab/zabbix-up.sh: php's built-in
/// server on 127.0.0.1:10180, or `$LAB_ZABBIX_WEB_PORT`), reached with curl.
struct ZabbixAPI {
    static var url: String {
        let port = ProcessInfo.processInfo.environment["LAB_ZABBIX_WEB_PORT"] ?? "10180"
        return "http://127.0.0.1:\(port)/api_jsonrpc.php"
    }

    /// The session token of `user.login`; nil before logging in.
    let token: String?

    /// An API error or an unusable answer, with the method and what the API said.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// True when `apiinfo.version` answers (no login needed).
    static var answers: Bool {
        (try? ZabbixAPI(token: nil).call("apiinfo.version", [String: Any]())) != nil
    }

    /// Logs in as the default administrator of a fresh Zabbix database (Admin / zabbix).
    static func login() throws -> ZabbixAPI {
        let r = try ZabbixAPI(token: nil).call("user.login", ["username": "Admin", "password": "zabbix"])
        guard let token = r as? String else { throw Failure(description: "user.login: no token in \(r)") }
        return ZabbixAPI(token: token)
    }

    /// Calls `method` with `params` (JSON-serializable); returns `result`, throws on `error`.
    @discardableResult
    func call(_ method: String, _ params: Any) throws -> Any {
        var body: [String: Any] = ["jsonrpc": "2.0", "method": method, "params": params, "id": 1]
        if let token { body["auth"] = token }
        let data = try JSONSerialization.data(withJSONObject: body)
        let (rc, out) = try Spawn.run(
            [
                "/usr/bin/curl", "-sS", "-m", "120", "-H", "Content-Type: application/json-rpc",
                "--data-binary", "@-", Self.url,
            ], input: Array(data), timeout: 130)
        guard rc == 0 else { throw Failure(description: "\(method): curl exit \(rc) at \(Self.url): \(out.prefix(300))") }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] else {
            throw Failure(description: "\(method): not JSON-RPC: \(out.prefix(300))")
        }
        if let err = obj["error"] as? [String: Any] {
            throw Failure(description: "\(method): \(err["message"] ?? "") \(err["data"] ?? "")")
        }
        guard let result = obj["result"] else { throw Failure(description: "\(method): no result in \(out.prefix(300))") }
        return result
    }

    /// Calls a `*.get` method; the result as a list of objects.
    func get(_ method: String, _ params: [String: Any]) throws -> [[String: Any]] {
        guard let rows = try call(method, params) as? [[String: Any]] else {
            throw Failure(description: "\(method): result is not a list of objects")
        }
        return rows
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs a test on the lab's Zabbix server: skipped (saying so) when its API does not answer,
    /// run (and failed on the first API call) under `CI=true`, where the lab must provide it.
    static var zabbix: Self {
        .enabled("needs the lab's Zabbix 6.0 (scripts/lab/zabbix-up.sh)") { CI.isCI || ZabbixAPI.answers }
    }
}
