/// A directory entry whose name is a decimal number (a PID in /proc, a TID in
/// /proc/<pid>/task), with the inode number `getdents64(2)` reported for it.
///
/// In procfs the inode of `/proc/<pid>` belongs to one process: a process that reuses the PID
/// of an exited one gets a new inode. The number can also change for a live process when the
/// kernel drops its cached dentry (memory pressure, `drop_caches`), so a changed inode means
/// "maybe another process", never the opposite.
public struct NumberedEntry: Sendable, Equatable {
    /// The entry's name as a number.
    public var number: Int
    /// `d_ino` of the entry.
    public var inode: UInt64

    public init(number: Int, inode: UInt64) {
        self.number = number
        self.inode = inode
    }
}
