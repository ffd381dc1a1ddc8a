/// Parses a Prometheus-style duration: "500ms", "5s", "1m30s", "2h", or plain seconds "2.5".
public func parseDuration(_ text: String) -> Double? {
    if let plain = Double(text) { return plain >= 0 ? plain : nil }
    var total = 0.0
    var number = ""
    var i = text.startIndex
    var sawUnit = false
    while i < text.endIndex {
        let c = text[i]
        if c.isNumber || c == "." { number.append(c); i = text.index(after: i); continue }
        var unit = String(c)
        let next = text.index(after: i)
        if c == "m", next < text.endIndex, text[next] == "s" { unit = "ms"; i = text.index(after: next) } else { i = next }
        guard let v = Double(number) else { return nil }
        switch unit {
        case "ms": total += v / 1000
        case "s": total += v
        case "m": total += v * 60
        case "h": total += v * 3600
        case "d": total += v * 86400
        default: return nil
        }
        number = ""
        sawUnit = true
    }
    return number.isEmpty && sawUnit ? total : nil
}
