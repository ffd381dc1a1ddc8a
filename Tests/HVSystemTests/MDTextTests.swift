import Testing

@testable import HVSystem

struct MDTextTests {
    /// A whole number ("finish=12min") is its value, not the double whose bits it is
    /// (`map(Double.init)` on a UInt64 picked `Double(bitPattern:)`).
    @Test func wholeDecimalIsItsValue() {
        #expect(MDText.decimal(Array("12".utf8)[...]) == 12)
        #expect(MDText.decimal(Array("0".utf8)[...]) == 0)
        #expect(MDText.decimal(Array("12.5".utf8)[...]) == 12.5)
        #expect(MDText.decimal(Array("x".utf8)[...]) == nil)
    }

    @Test func mdstatFinishInWholeMinutes() throws {
        let text =
            "Personalities : [raid1] \nmd0 : active raid1 sdb[1] sda[0]\n      100 blocks [2/2] [UU]\n      [>....................]  resync =  1.0% (1/100) finish=12min speed=1K/sec\n      \nunused devices: <none>\n"
        let stat = try MDStat.parse(Array(text.utf8))
        #expect(stat.arrays.first?.progress?.finishSeconds == 720)
    }
}
