import Testing

@testable import HVFormats

@Suite struct JSONValueTests {
    @Test func readsEveryKindOfValue() throws {
        let v = try JSONValue.parse(
            #" { "a": [1, -2.5e3, true, false, null], "s": "x\"\\\/\n\u00e9\ud83d\ude00", "o": {"k": {}} , "e": [] } "#)
        #expect(v["a"]?[0]?.int == 1)
        #expect(v["a"]?[1]?.double == -2500)
        #expect(v["a"]?[1]?.int == nil)
        #expect(v["a"]?[2]?.bool == true)
        #expect(v["a"]?[3]?.bool == false)
        #expect(v["a"]?[4]?.isNull == true)
        #expect(v["a"]?[5] == nil)
        #expect(v["s"]?.string == "x\"\\/\né😀")
        #expect(v.path("o", "k")?.object?.isEmpty == true)
        #expect(v["e"]?.array?.isEmpty == true)
        #expect(v["missing"] == nil)
        #expect(v["a"]?["not an object"] == nil)
    }

    @Test func bigIntegersKeepEveryDigit() throws {
        let v = try JSONValue.parse("[18446744073709551615, 18446744073709551616, -9223372036854775808]")
        #expect(v[0]?.uint64 == UInt64.max)
        #expect(v[0]?.int == nil)
        #expect(v[1]?.uint64 == nil)
        #expect(v[1]?.double == 18_446_744_073_709_551_616)
        #expect(v[2]?.int == Int.min)
        #expect(v[2]?.uint64 == nil)
    }

    @Test func repeatedKeyKeepsTheLast() throws {
        #expect(try JSONValue.parse(#"{"k":1,"k":2}"#)["k"]?.int == 2)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\"}", "{\"a\":}", "01x", "-", "1.", "1e", "tru", "nul", "\"abc", "\"\\x\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\u12\"", "[1] 2", "{\"a\":1,}", "\"a\u{1}b\"",
    ])
    func malformedInputIsAnErrorWithAnOffset(_ text: String) {
        #expect(throws: JSONError.self) { try JSONValue.parse(text) }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect((try? JSONValue.parse(fine)) != nil)
    }

    @Test func realToolOutputs() throws {
        let link = try JSONValue.parse(FormatsFixture.bytes("json/ip-link-lo.json"))
        #expect(link[0]?["ifname"]?.string == "lo")
        #expect(link[0]?["mtu"]?.int == 65536)
        let lsblk = try JSONValue.parse(FormatsFixture.bytes("json/lsblk.json"))
        let devices = try #require(lsblk["blockdevices"]?.array)
        #expect(!devices.isEmpty)
        #expect(devices.allSatisfy { $0["name"]?.string != nil })
        #expect(devices.contains { ($0["size"]?.uint64 ?? 0) > 0 })
    }

    @Test func fuzzedInputNeverTraps() {
        let seeds = FormatsFixture.files(in: "json").map(FormatsFixture.bytes)
        let alphabet = Array(#"{}[]:,"\ 0123456789.eE+-truefalsn/u"#.utf8) + [0, 0xFF, 0xC3, 0x0A]
        for input in fuzzInputs(from: seeds, alphabet: alphabet) {
            do {
                _ = try JSONValue.parse(input)
            } catch {
                // The offset points into the input (or at its end), so a message can quote it.
                #expect(error.offset >= 0 && error.offset <= input.count)
            }
        }
    }
}
