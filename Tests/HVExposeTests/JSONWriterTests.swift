import Foundation
import Testing

@testable import HVExpose

struct JSONWriterTests {
    @Test func nestedDocumentIsValidJSON() throws {
        var w = JSONWriter()
        w.beginObject()
        w.field("name", "we\"ird\\ name ü\n\u{01}")
        w.field("n", 3)
        w.field("missing", nil as Int?)
        w.field("ratio", 0.5)
        w.field("nan", Double.nan)
        w.key("list"); w.beginArray(); w.int(1); w.string("two"); w.beginObject(); w.endObject(); w.endArray()
        w.endObject()
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        #expect(obj["name"] as? String == "we\"ird\\ name ü\n\u{01}")
        #expect(obj["n"] as? Int == 3)
        #expect(obj["missing"] == nil)
        #expect(obj["ratio"] as? Double == 0.5)
        #expect(obj["nan"] is NSNull)
        #expect((obj["list"] as? [Any])?.count == 3)
    }
}
