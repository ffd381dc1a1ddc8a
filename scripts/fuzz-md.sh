#!/bin/sh
# libFuzzer run of the md parsers (/proc/mdstat and sysfs attribute parsers), with
# AddressSanitizer. Seeds: the md fixture trees. Usage: scripts/fuzz-md.sh [seconds] (default 60).
# Crashes are written to $WORK (kept when the fuzzer finds one).
set -eu
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
WORK=$(mktemp -d /tmp/hv-fuzz-md.XXXXXX)
S=Sources/HVSystem
cat > "$WORK/harness.swift" <<'SWIFT'
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? MDStat.parse(bytes)
    _ = try? MDSysfsAttribute.word(bytes)
    _ = try? MDSysfsAttribute.level(bytes)
    _ = try? MDSysfsAttribute.count(bytes)
    _ = try? MDSysfsAttribute.noneOrUnsigned(bytes)
    _ = try? MDSysfsAttribute.reshapeable(bytes)
    _ = try? MDSysfsAttribute.syncCompleted(bytes)
    _ = try? MDSysfsAttribute.slot(bytes)
    _ = try? MDSysfsAttribute.deviceState(bytes)
    _ = try? MDSysfsAttribute.metadataVersion(bytes)
    _ = try? MDSysfsAttribute.token(bytes)
    return 0
}
SWIFT
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name MDFuzz "$WORK/harness.swift" \
    $S/MDText.swift $S/MDStat.swift $S/MDStatArray.swift $S/MDStat+Parse.swift $S/MDSysfsArray.swift $S/MDSysfsAttribute.swift \
    $S/SystemError.swift -o "$WORK/mdfuzz" 2>/dev/null
mkdir -p "$WORK/corpus"
n=0
for f in $(find Tests/HVSystemTests/Fixtures/md -type f \( -name mdstat -o -path '*/md/*' \)); do
    n=$((n + 1)); cp "$f" "$WORK/corpus/seed$n"
done
cd "$WORK"
if ./mdfuzz -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -print_final_stats=1 corpus; then
    rm -rf "$WORK"
else
    echo "fuzzer found a crash; inputs kept in $WORK" >&2
    exit 1
fi
