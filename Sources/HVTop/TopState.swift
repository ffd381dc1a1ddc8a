/// Everything the interactive view remembers between frames, and what each key does.
/// Pure: the app feeds keys in and renders what comes out, which is what the tests drive.
public struct TopState: Sendable, Equatable {
    public enum View: Equatable, Sendable {
        case guests
        /// Processes and threads of one guest (by key; the name is for the title).
        case processes(key: String, name: String)
        case block, interfaces, storage, jobs, help
    }

    /// What the app should do after a key.
    public enum Action: Equatable, Sendable { case none, redraw, refresh, quit }

    public var view: View = .guests
    /// Where `?`/Esc returns to from help.
    public var viewBeforeHelp: View = .guests
    public var sort: SortKey = .cpu
    public var reversed = false
    /// Case-insensitive substring of guest names ("" = all).
    public var filter = ""
    /// Non-nil while the filter is being typed (shown at the bottom).
    public var editingFilter: String?
    private var filterBeforeEdit = ""
    /// Selected guest, by key, so the selection follows the guest when the order changes.
    public var selectedKey: String?
    /// First row shown (the list scrolls to keep the selection visible).
    public var scroll = 0

    public init(sort: SortKey = .cpu, filter: String = "") {
        self.sort = sort
        self.filter = filter
    }

    /// `all` filtered by name and sorted.
    public func visibleRows(_ all: [GuestRow]) -> [GuestRow] {
        let f = (editingFilter ?? filter).lowercased()
        let kept = f.isEmpty ? all : all.filter { $0.name.lowercased().contains(f) }
        return sort.sort(kept, reversed: reversed)
    }

    /// Index of the selection in `rows` (the first row when the selected guest is gone).
    public func selectedIndex(_ rows: [GuestRow]) -> Int? {
        guard !rows.isEmpty else { return nil }
        return selectedKey.flatMap { k in rows.firstIndex { $0.key == k } } ?? 0
    }

    /// Moves `scroll` so that row `index` is inside a window of `page` rows.
    public mutating func keepVisible(_ index: Int, page: Int) {
        guard page > 0 else { return }
        if index < scroll { scroll = index }
        if index >= scroll + page { scroll = index - page + 1 }
        scroll = max(0, scroll)
    }

    /// Applies one key. `rows` are the visible guest rows (for selection), `page` the number
    /// of list lines on screen.
    public mutating func handle(_ key: Key, rows: [GuestRow], page: Int) -> Action {
        if let text = editingFilter { return handleFilterKey(key, text) }
        switch key {
        case .char("q"), .control("c"):
            return .quit
        case .char("?"), .char("h"):
            if view == .help { view = viewBeforeHelp } else { viewBeforeHelp = view; view = .help }
            return .redraw
        case .char("/"):
            filterBeforeEdit = filter
            editingFilter = filter
            return .redraw
        case .char(let c) where SortKey(keyChar: c) != nil:
            let k = SortKey(keyChar: c)!
            if k == sort { reversed.toggle() } else { sort = k; reversed = false }
            if view != .guests && view != .help { view = .guests }
            scroll = 0
            return .redraw
        case .char("p"), .enter:
            guard view == .guests, let i = selectedIndex(rows) else { return .none }
            view = .processes(key: rows[i].key, name: rows[i].name)
            scroll = 0
            return .redraw
        case .char("b"): return toggle(.block)
        case .char("i"): return toggle(.interfaces)
        case .char("s"): return toggle(.storage)
        case .char("j"): return toggle(.jobs)
        case .char("g"), .escape, .left, .backspace:
            if view == .help { view = viewBeforeHelp; return .redraw }
            if view != .guests { view = .guests; scroll = 0; return .redraw }
            if key == .escape && !filter.isEmpty { filter = ""; return .redraw }
            return .none
        case .char(" "), .char("r"), .control("l"):
            return .refresh
        case .up: return move(-1, rows, page)
        case .down: return move(1, rows, page)
        case .pageUp: return move(-max(1, page - 1), rows, page)
        case .pageDown: return move(max(1, page - 1), rows, page)
        case .home: return move(-Int.max / 2, rows, page)
        case .end: return move(Int.max / 2, rows, page)
        default:
            return .none
        }
    }

    private mutating func toggle(_ v: View) -> Action {
        view = view == v ? .guests : v
        scroll = 0
        return .redraw
    }

    private mutating func move(_ delta: Int, _ rows: [GuestRow], _ page: Int) -> Action {
        if view == .guests {
            guard let i = selectedIndex(rows) else { return .none }
            let j = max(0, min(rows.count - 1, i + delta))
            selectedKey = rows[j].key
            keepVisible(j, page: page)
        } else {
            // Other views scroll; the renderer clamps to the content.
            scroll = max(0, delta > Int.max / 4 ? Int.max / 4 : scroll + delta)
        }
        return .redraw
    }

    private mutating func handleFilterKey(_ key: Key, _ text: String) -> Action {
        switch key {
        case .enter:
            filter = text
            editingFilter = nil
        case .escape:
            filter = filterBeforeEdit
            editingFilter = nil
        case .backspace:
            editingFilter = String(text.dropLast())
        case .control("u"):
            editingFilter = ""
        case .control("c"):
            return .quit
        case .char(let c):
            editingFilter = text + String(c)
        default:
            return .none
        }
        scroll = 0
        return .redraw
    }
}
