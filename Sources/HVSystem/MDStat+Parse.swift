extension MDStat {
    /// Parses the bytes of /proc/mdstat.
    ///
    /// The format follows drivers/md/md.c `md_seq_show`, `status_resync` and the personalities'
    /// `status` functions. A block that does not parse lands in `malformed` with the reason; the
    /// other arrays are still returned. Throws `SystemError` (kind `.malformed`) only when the file
    /// as a whole is not mdstat (no "Personalities" line, a line outside any array).
    public static func parse(_ bytes: [UInt8]) throws -> MDStat {
        var result = MDStat()
        let lines = MDText.lines(bytes)
        var i = 0
        while i < lines.count, MDText.isBlankLine(lines[i]) { i += 1 }
        guard i < lines.count else { throw SystemError.malformed("empty file") }
        guard MDText.hasPrefix(lines[i], "Personalities") else {
            throw SystemError.malformed("line \(i + 1): expected \"Personalities :\", got \(MDText.excerpt(lines[i]))")
        }
        while i < lines.count {
            let line = lines[i]
            if MDText.isBlankLine(line) { i += 1; continue }
            if line.first == MDText.space || line.first == MDText.tab {
                throw SystemError.malformed("line \(i + 1): indented line outside an array: \(MDText.excerpt(line))")
            }
            if MDText.hasPrefix(line, "Personalities") {
                result.personalities = try parsePersonalities(line, lineNumber: i + 1)
                i += 1
                continue
            }
            if MDText.hasPrefix(line, "unused devices:") {
                result.unusedDevices = MDText.tokens(line.dropFirst("unused devices:".utf8.count))
                    .filter { !MDText.equals($0, "<none>") }.map(MDText.string)
                i += 1
                continue
            }
            if MDText.hasPrefix(line, "read_ahead") {   // 2.4 kernels
                i += 1
                continue
            }
            guard let (name, rest) = splitHeader(line) else {
                throw SystemError.malformed("line \(i + 1): expected \"<array> : active|inactive ...\", got \(MDText.excerpt(line))")
            }
            let headerLine = i + 1
            i += 1
            var block: [ArraySlice<UInt8>] = []
            while i < lines.count, let f = lines[i].first, f == MDText.space || f == MDText.tab {
                block.append(lines[i])
                i += 1
            }
            do {
                result.arrays.append(try parseArray(name: name, header: rest, block: block))
            } catch let e as SystemError {
                var e = e
                e.reason = "\(name) (line \(headerLine)): \(e.reason)"
                result.malformed.append(MDStatMalformed(device: name, error: e))
            }
        }
        return result
    }

    static func parsePersonalities(_ line: ArraySlice<UInt8>, lineNumber: Int) throws -> [String] {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw SystemError.malformed("line \(lineNumber): no ':' after Personalities")
        }
        var out: [String] = []
        for t in MDText.tokens(line[(colon + 1)...]) {
            // "[raid1]"; 2.4 kernels appended "read_ahead 1024 sectors" on the same line.
            guard t.count > 2, t.first == UInt8(ascii: "["), t.last == UInt8(ascii: "]") else { continue }
            out.append(MDText.string(t.dropFirst().dropLast()))
        }
        return out
    }

    /// "md0 : active raid1 ..." -> ("md0", "active raid1 ...").
    static func splitHeader(_ line: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>)? {
        guard let sp = line.firstIndex(of: MDText.space) else { return nil }
        let name = line[line.startIndex..<sp]
        guard MDText.isPrintableWord(name), !name.contains(UInt8(ascii: "[")) else { return nil }
        let rest = line[sp...]
        guard MDText.hasPrefix(rest, " : ") else { return nil }
        return (MDText.string(name), rest.dropFirst(3))
    }

    static func parseArray(name: String, header: ArraySlice<UInt8>, block: [ArraySlice<UInt8>]) throws -> MDStatArray {
        let t = MDText.tokens(header)
        guard let first = t.first else { throw SystemError.malformed("nothing after ':'") }
        var a: MDStatArray
        if MDText.equals(first, "active") {
            a = MDStatArray(device: name, active: true)
        } else if MDText.equals(first, "inactive") {
            a = MDStatArray(device: name, active: false)
        } else {
            throw SystemError.malformed("expected active or inactive, got \(MDText.excerpt(first))")
        }
        var j = 1
        if a.active {
            if j < t.count, MDText.equals(t[j], "(read-only)") {
                a.access = .readOnly; j += 1
            } else if j < t.count, MDText.equals(t[j], "(auto-read-only)") {
                a.access = .autoReadOnly; j += 1
            }
            guard j < t.count, MDText.isPrintableWord(t[j]), !t[j].contains(UInt8(ascii: "[")) else {
                throw SystemError.malformed("active array without a personality")
            }
            a.level = MDText.string(t[j])
            j += 1
        }
        while j < t.count {
            if MDText.equals(t[j], "super") {
                // Inactive array without disks: " super X" lands on the header line.
                guard j + 1 < t.count else { throw SystemError.malformed("\"super\" without a version") }
                a.superblock = MDText.string(t[j + 1])
                j += 2
                continue
            }
            a.members.append(try parseMember(t[j]))
            j += 1
        }
        for line in block {
            let s = MDText.trimmed(line)
            if s.isEmpty { continue }
            if s.first == UInt8(ascii: "[") {
                guard a.progress == nil else { throw SystemError.malformed("two progress lines") }
                a.progress = try parseProgress(s)
            } else if MDText.hasPrefix(s, "bitmap:") {
                a.bitmap = try parseBitmap(s)
            } else if let w = parseWaiting(s) {
                a.waiting = w
            } else if let f = MDText.tokens(s).first, MDText.uint(f) != nil || MDText.equals(f, "super") {
                try parseStatusLine(s, into: &a)
            } else {
                throw SystemError.malformed("unexpected line \(MDText.excerpt(s))")
            }
        }
        return a
    }

    /// "sdb1[1](W)(F)"
    static func parseMember(_ t: ArraySlice<UInt8>) throws -> MDStatMember {
        guard let open = t.firstIndex(of: UInt8(ascii: "[")), open > t.startIndex,
            let close = t[open...].firstIndex(of: UInt8(ascii: "]")),
            let desc = MDText.int(t[(open + 1)..<close])
        else {
            throw SystemError.malformed("member \(MDText.excerpt(t)) is not name[number]")
        }
        let name = t[t.startIndex..<open]
        guard MDText.isPrintableWord(name) else { throw SystemError.malformed("member name \(MDText.excerpt(name))") }
        var m = MDStatMember(name: MDText.string(name), descriptorIndex: desc)
        var k = close + 1
        while k < t.endIndex {
            guard k + 2 < t.endIndex, t[k] == UInt8(ascii: "("), t[k + 2] == UInt8(ascii: ")") else {
                throw SystemError.malformed("member \(MDText.excerpt(t)): bad flags")
            }
            switch t[k + 1] {
            case UInt8(ascii: "W"): m.writeMostly = true
            case UInt8(ascii: "J"): m.journal = true
            case UInt8(ascii: "F"): m.faulty = true
            case UInt8(ascii: "S"): m.spare = true
            case UInt8(ascii: "R"): m.replacement = true
            default: throw SystemError.malformed("member \(MDText.excerpt(t)): unknown flag")
            }
            k += 3
        }
        return m
    }

    /// "7809024 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [UU_]" and the raid0,
    /// raid10, linear variants.
    static func parseStatusLine(_ s: ArraySlice<UInt8>, into a: inout MDStatArray) throws {
        let t = MDText.tokens(s)
        var j = 0
        if j + 1 < t.count, let blocks = MDText.uint(t[j]), MDText.equals(t[j + 1], "blocks") {
            a.blocksKiB = blocks
            j += 2
        }
        func next(_ k: Int) throws -> ArraySlice<UInt8> {
            guard k < t.count else { throw SystemError.malformed("status line ends early: \(MDText.excerpt(s))") }
            return t[k]
        }
        while j < t.count {
            let tok = t[j]
            if MDText.equals(tok, "super") {
                let v = try next(j + 1)
                guard MDText.isPrintableWord(v) else { throw SystemError.malformed("bad superblock version") }
                a.superblock = MDText.string(v)
                j += 2
            } else if MDText.equals(tok, "level") {
                let v = try next(j + 1)
                guard let n = MDText.int(v.last == UInt8(ascii: ",") ? v.dropLast() : v) else {
                    throw SystemError.malformed("bad level number \(MDText.excerpt(v))")
                }
                a.levelNumber = n
                j += 2
            } else if MDText.equals(tok, "algorithm") {
                guard let n = MDText.int(try next(j + 1)) else { throw SystemError.malformed("bad algorithm") }
                a.algorithm = n
                j += 2
            } else if tok.first == UInt8(ascii: "["), tok.last == UInt8(ascii: "]"), tok.count >= 2 {
                let inner = tok.dropFirst().dropLast()
                if let slash = inner.firstIndex(of: UInt8(ascii: "/")) {
                    guard let n = MDText.int(inner[inner.startIndex..<slash]), let m = MDText.int(inner[(slash + 1)...]) else {
                        throw SystemError.malformed("bad disk count \(MDText.excerpt(tok))")
                    }
                    a.raidDisks = n
                    a.inSyncDisks = m
                } else {
                    guard inner.allSatisfy({ $0 == UInt8(ascii: "U") || $0 == UInt8(ascii: "_") }) else {
                        throw SystemError.malformed("bad slot status \(MDText.excerpt(tok))")
                    }
                    a.slotStatus = MDText.string(inner)
                }
                j += 1
            } else if let unit = tok.last, unit == UInt8(ascii: "k") || unit == UInt8(ascii: "K"), j + 1 < t.count,
                let n = MDText.signed(tok.dropLast())
            {
                let what = t[j + 1]
                if MDText.hasPrefix(what, "chunk") {
                    guard n >= 0 else { throw SystemError.malformed("negative chunk size") }
                    a.chunkKiB = UInt64(n)
                } else if MDText.equals(what, "rounding") {
                    a.roundingKiB = n
                } else {
                    throw SystemError.malformed("unexpected \(MDText.excerpt(what)) after a size")
                }
                j += 2
            } else if let n = MDText.int(tok), j + 1 < t.count {
                let what = t[j + 1]
                if MDText.equals(what, "near-copies") || MDText.equals(what, "far-copies") || MDText.equals(what, "offset-copies") {
                    a.copies = n
                    a.copiesLayout = MDText.string(what.prefix { $0 != UInt8(ascii: "-") })
                    j += 2
                } else if MDText.equals(what, "devices"), j + 3 < t.count {
                    j += 4   // raid10 far layout: "N devices per set"
                } else {
                    throw SystemError.malformed("unexpected \(MDText.excerpt(what)) after a number")
                }
            } else {
                throw SystemError.malformed("unexpected \(MDText.excerpt(tok)) in status line")
            }
        }
    }

    /// "[==>..................]  recovery = 12.6% (37043392/293035520) finish=127.5min speed=31706K/sec"
    static func parseProgress(_ s: ArraySlice<UInt8>) throws -> MDStatProgress {
        guard let close = s.firstIndex(of: UInt8(ascii: "]")) else { throw SystemError.malformed("progress bar not closed") }
        var t = MDText.tokens(s[(close + 1)...])[...]
        guard let action = t.popFirst(), MDText.isPrintableWord(action) else {
            throw SystemError.malformed("progress line without an action")
        }
        // " resync =%3u.%u%%": "= 12.6%", "=  8.5%" or "=100.0%".
        guard var pct = t.popFirst(), pct.first == UInt8(ascii: "=") else {
            throw SystemError.malformed("no '=' after \(MDText.excerpt(action))")
        }
        pct = pct.dropFirst()
        if pct.isEmpty {
            guard let p = t.popFirst() else { throw SystemError.malformed("no percentage") }
            pct = p
        }
        guard pct.last == UInt8(ascii: "%"), let dot = pct.firstIndex(of: UInt8(ascii: ".")),
            let whole = MDText.int(pct[pct.startIndex..<dot]), let tenth = MDText.int(pct[(dot + 1)..<(pct.endIndex - 1)]),
            tenth < 10, whole <= 100
        else {
            throw SystemError.malformed("bad percentage \(MDText.excerpt(pct))")
        }
        guard let counts = t.popFirst(), counts.first == UInt8(ascii: "("), counts.last == UInt8(ascii: ")"),
            let slash = counts.firstIndex(of: UInt8(ascii: "/")),
            let done = MDText.uint(counts[(counts.startIndex + 1)..<slash]),
            let total = MDText.uint(counts[(slash + 1)..<(counts.endIndex - 1)])
        else {
            throw SystemError.malformed("bad (done/total) in progress line")
        }
        var p = MDStatProgress(action: MDText.string(action), permille: whole * 10 + tenth, doneKiB: done, totalKiB: total)
        while let tok = t.popFirst() {
            if MDText.hasPrefix(tok, "finish="), MDText.hasPrefix(tok.suffix(3), "min") {
                guard let m = MDText.decimal(tok.dropFirst(7).dropLast(3)) else { throw SystemError.malformed("bad finish=") }
                p.finishSeconds = m * 60
            } else if MDText.hasPrefix(tok, "speed="), tok.count > 11, MDText.equals(tok.suffix(5), "K/sec") {
                guard let v = MDText.uint(tok.dropFirst(6).dropLast(5)) else { throw SystemError.malformed("bad speed=") }
                p.speedKiBPerSecond = v
            } else {
                throw SystemError.malformed("unexpected \(MDText.excerpt(tok)) in progress line")
            }
        }
        return p
    }

    /// "resync=DELAYED", "resync=PENDING", "recover=REMOTE": nil when `s` is not of this form.
    static func parseWaiting(_ s: ArraySlice<UInt8>) -> MDStatWaiting? {
        guard let eq = s.firstIndex(of: UInt8(ascii: "=")), eq > s.startIndex, eq + 1 < s.endIndex else { return nil }
        let action = s[s.startIndex..<eq]
        let reason = s[(eq + 1)...]
        guard action.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }),
            reason.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") })
        else { return nil }
        return MDStatWaiting(action: MDText.string(action), reason: MDText.string(reason))
    }

    /// "bitmap: 2/8 pages [8KB], 65536KB chunk" with an optional ", file: /path".
    static func parseBitmap(_ s: ArraySlice<UInt8>) throws -> MDStatBitmap {
        let t = MDText.tokens(s)
        guard t.count >= 5, MDText.equals(t[2], "pages"), let slash = t[1].firstIndex(of: UInt8(ascii: "/")),
            let used = MDText.uint(t[1][t[1].startIndex..<slash]), let total = MDText.uint(t[1][(slash + 1)...])
        else {
            throw SystemError.malformed("bad bitmap line \(MDText.excerpt(s))")
        }
        var mem = t[3]
        if mem.last == UInt8(ascii: ",") { mem = mem.dropLast() }
        guard mem.count > 4, mem.first == UInt8(ascii: "["), MDText.equals(mem.suffix(3), "KB]"),
            let memKiB = MDText.uint(mem.dropFirst().dropLast(3))
        else {
            throw SystemError.malformed("bad bitmap memory \(MDText.excerpt(mem))")
        }
        let chunk = t[4]
        let chunkBytes: UInt64
        if MDText.equals(chunk.suffix(2), "KB"), let kb = MDText.uint(chunk.dropLast(2)), kb <= UInt64.max >> 10 {
            chunkBytes = kb << 10
        } else if chunk.last == UInt8(ascii: "B"), let b = MDText.uint(chunk.dropLast()) {
            chunkBytes = b
        } else {
            throw SystemError.malformed("bad bitmap chunk \(MDText.excerpt(chunk))")
        }
        var bm = MDStatBitmap(pagesUsed: used, pagesTotal: total, memoryKiB: memKiB, chunkBytes: chunkBytes)
        // ", file: /path" (seq_file_path escapes blanks, so the path is the rest of the line).
        var k = s.startIndex
        while k < s.endIndex {
            if MDText.hasPrefix(s[k...], ", file: ") {
                bm.file = MDText.string(MDText.trimmed(s[(k + 8)...]))
                break
            }
            k += 1
        }
        return bm
    }
}
