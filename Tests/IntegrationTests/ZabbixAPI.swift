import Foundation
import LabSupport
import Testing

/// One of the lab's real Zabbix servers: Debian 12's 6.0 (scripts/lab/zabbix-up.sh) or Debian
/// 13's 7.0 in a chroot (scripts/lab/zabbix7-up.sh), with the port of the agent a test starts
/// for it. Ports come from the environment, else the lab state (write-state.sh), else the
/// lab's defaults.
struct ZabbixServer: Sendable, CustomTestStringConvertible {
    /// "6.0" or "7.0": what `apiinfo.version` must start with.
    let version: String
    /// The frontend's JSON-RPC API (php's built-in server on 127.0.0.1).
    let url: String
    /// Where the test's `zabbix_agentd` listens (the server polls 127.0.0.1 there).
    let agentPort: Int
    /// The lab script that starts it.
    let script: String

    static let v60 = ZabbixServer(version: "6.0", prefix: "LAB_ZABBIX", webPort: 10180, agentPort: 10150, script: "zabbix-up.sh")
    static let v70 = ZabbixServer(version: "7.0", prefix: "LAB_ZABBIX7", webPort: 10190, agentPort: 10160, script: "zabbix7-up.sh")

    private init(version: String, prefix: String, webPort: Int, agentPort: Int, script: String) {
        func setting(_ key: String, _ fallback: Int) -> Int {
            let env = ProcessInfo.processInfo.environment[key] ?? ""
            return Int(env) ?? Int(LabState.current[key] ?? "") ?? fallback
        }
        self.version = version
        self.url = "http://127.0.0.1:\(setting(prefix + "_WEB_PORT", webPort))/api_jsonrpc.php"
        self.agentPort = setting(prefix + "_AGENT_PORT", agentPort)
        self.script = script
    }

    var testDescription: String { "Zabbix \(version)" }

    /// True when `apiinfo.version` answers with this server's version (no login needed).
    var answers: Bool {
        ((try? ZabbixAPI(server: self, token: nil, apiVersion: version).call("apiinfo.version", [String: Any]())) as? String)?
            .hasPrefix(version + ".") == true
    }
}

/// The JSON-RPC API of one of the lab's Zabbix frontends, reached with curl.
struct ZabbixAPI {
    let server: ZabbixServer
    /// The session token of `user.login`; nil before logging in.
    let token: String?
    /// What `apiinfo.version` said ("6.0.14", "7.0.22").
    let apiVersion: String

    /// An API error or an unusable answer, with the method and what the API said.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The API version as (major, minor).
    var release: (Int, Int) {
        let parts = apiVersion.split(separator: ".").compactMap { Int($0) }
        return (parts.first ?? 0, parts.dropFirst().first ?? 0)
    }

    /// Logs in as the default administrator of a fresh Zabbix database (Admin / zabbix) after
    /// checking that the server is the version asked for.
    static func login(_ server: ZabbixServer) throws -> ZabbixAPI {
        let anonymous = ZabbixAPI(server: server, token: nil, apiVersion: server.version)
        let version = try anonymous.call("apiinfo.version", [String: Any]()) as? String ?? "?"
        guard version.hasPrefix(server.version + ".") else {
            throw Failure(description: "\(server.url) runs Zabbix \(version), not \(server.version) (scripts/lab/\(server.script))")
        }
        let r = try anonymous.call("user.login", ["username": "Admin", "password": "zabbix"])
        guard let token = r as? String else { throw Failure(description: "user.login: no token in \(r)") }
        return ZabbixAPI(server: server, token: token, apiVersion: version)
    }

    /// Calls `method` with `params` (JSON-serializable); returns `result`, throws on `error`.
    /// The session token goes in the `Authorization: Bearer` header from 6.4 on (7.0 deprecates
    /// the `auth` field, 7.2 removes it); 6.0 knows only the `auth` field.
    @discardableResult
    func call(_ method: String, _ params: Any) throws -> Any {
        var body: [String: Any] = ["jsonrpc": "2.0", "method": method, "params": params, "id": 1]
        var headers = ["-H", "Content-Type: application/json-rpc"]
        if let token {
            if release >= (6, 4) { headers += ["-H", "Authorization: Bearer \(token)"] } else { body["auth"] = token }
        }
        let data = try JSONSerialization.data(withJSONObject: body)
        let (rc, out) = try Spawn.run(
            ["/usr/bin/curl", "-sS", "-m", "120"] + headers + ["--data-binary", "@-", server.url], input: Array(data), timeout: 130)
        guard rc == 0 else { throw Failure(description: "\(method): curl exit \(rc) at \(server.url): \(out.prefix(300))") }
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

    /// The `configuration.import` rule for the template's groups: "groups" up to 6.0,
    /// "template_groups" from 6.2 on (template groups became their own kind).
    var templateGroupsRule: String { release >= (6, 2) ? "template_groups" : "groups" }
}

extension Trait where Self == ConditionTrait {
    /// Runs a test on one of the lab's Zabbix servers: skipped (saying so) when its API does not
    /// answer with its version, run (and failed on the first API call) under `CI=true`, where
    /// the lab must provide it.
    static func zabbix(_ server: ZabbixServer) -> Self {
        .enabled("needs the lab's Zabbix \(server.version) (scripts/lab/\(server.script))") { CI.isCI || server.answers }
    }
}
