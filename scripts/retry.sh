# retry N command...: runs the command up to N times, 5 s, 10 s... apart; for downloads from
# the Debian archive. Sourced by scripts/package-test.sh and scripts/debian-root.sh; the
# sourcing script defines log().
retry() {
    local n=$1 i; shift
    for ((i = 1; i <= n; i++)); do
        "$@" && return 0
        log "attempt $i/$n failed: $*"
        ((i < n)) && sleep $((i * 5))
    done
    return 1
}
