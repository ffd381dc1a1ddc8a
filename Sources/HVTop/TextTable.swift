/// A plain-text table with aligned columns, fitted to a width: flexible columns (names,
/// paths) shrink first and are cut with "~"; what still does not fit is cut at the right.
/// Widths count Characters (names are made printable first, see `Format.printable`).
public struct TextTable: Sendable {
    public enum Align: Sendable { case left, right }

    public struct Column: Sendable {
        public var title: String
        public var align: Align
        /// Flexible columns give up width down to `minWidth` when the table is too wide.
        public var flexible: Bool
        public var minWidth: Int
        /// Cap on a flexible column's natural width.
        public var maxWidth: Int

        public init(_ title: String, _ align: Align = .right, flexible: Bool = false, minWidth: Int = 0, maxWidth: Int = 60) {
            self.title = title
            self.align = align
            self.flexible = flexible
            self.minWidth = max(minWidth, title.count)
            self.maxWidth = maxWidth
        }
    }

    public var columns: [Column]
    public var rows: [[String]]

    public init(columns: [Column], rows: [[String]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// Header line and one line per row. `width` nil: natural widths (batch output).
    public func render(width: Int? = nil) -> (header: String, lines: [String]) {
        var widths = columns.indices.map { i in
            let natural = max(columns[i].title.count, rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0)
            return columns[i].flexible ? min(natural, max(columns[i].maxWidth, columns[i].minWidth)) : natural
        }
        if width == nil {
            // Batch: never cut a value.
            widths = columns.indices.map { i in max(columns[i].title.count, rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0) }
        }
        if let width {
            var total = widths.reduce(0, +) + max(0, widths.count - 1)
            for i in columns.indices where columns[i].flexible && total > width {
                let give = min(widths[i] - columns[i].minWidth, total - width)
                if give > 0 { widths[i] -= give; total -= give }
            }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for i in columns.indices {
                let cell = i < cells.count ? cells[i] : ""
                let fitted = Self.fit(cell, widths[i], columns[i].align)
                if i > 0 { out += " " }
                out += fitted
            }
            // Trailing spaces of a left-aligned last column are noise.
            while out.hasSuffix(" ") { out.removeLast() }
            return width.map { Self.clip(out, $0) } ?? out
        }
        return (line(columns.map(\.title)), rows.map(line))
    }

    /// `s` padded or cut to exactly `w` characters.
    static func fit(_ s: String, _ w: Int, _ align: Align) -> String {
        let n = s.count
        if n == w { return s }
        if n > w { return w <= 1 ? String(s.prefix(w)) : String(s.prefix(w - 1)) + "~" }
        let pad = String(repeating: " ", count: w - n)
        return align == .left ? s + pad : pad + s
    }

    /// `s` cut to `w` characters.
    public static func clip(_ s: String, _ w: Int) -> String {
        s.count <= w ? s : String(s.prefix(max(0, w)))
    }
}
