# Port claims that scripts starting local services (libvirt.sh, ipmi.sh) share: one file per
# claimed port under $REGISTRY naming the DIR that holds it, taken under a flock. Sourced after
# lib/processes.sh, once the script has set:
#   REGISTRY           the claims' directory
#   REGISTRY_VARIABLE  the environment variable that overrides it, for messages
#   CLAIM_PIDFILES     PID files (relative to a DIR) any of which alive keeps its claim
#   READY_TIMEOUT      seconds a start may take: a claim younger than that stands regardless
# shellcheck shell=bash

lock_registry() {
    if [[ ! -d "$REGISTRY" ]]; then
        mkdir -p "$REGISTRY" 2>/dev/null || true
        chmod 1777 "$REGISTRY" 2>/dev/null || true
    fi
    [[ -d "$REGISTRY" ]] || die "cannot create $REGISTRY (set $REGISTRY_VARIABLE)"
    : >>"$REGISTRY/lock" 2>/dev/null || true
    exec {LOCK_FD}<"$REGISTRY/lock" || die "cannot open $REGISTRY/lock"
    flock -w 30 "$LOCK_FD" || die "timed out after 30 s waiting for $REGISTRY/lock"
}

unlock_registry() { exec {LOCK_FD}<&-; }

# A claim stands while its DIR still has that port in its layout and one of its CLAIM_PIDFILES
# names a live process of its own, or while it is younger than a start can take.
claim_active() {
    local file=$1 port=$2 cdir age saved=$DIR result=1 pidfile
    read -r cdir <"$file" 2>/dev/null || return 1
    [[ -n "$cdir" && -f "$cdir/layout" ]] || return 1
    grep -qx "port=$port" "$cdir/layout" || return 1
    age=$(($(date +%s) - $(stat -c %Y "$file" 2>/dev/null || echo 0)))
    ((age < READY_TIMEOUT + 30)) && return 0
    DIR=$cdir
    for pidfile in "${CLAIM_PIDFILES[@]}"; do
        if live_pid_from "$cdir/$pidfile" >/dev/null; then result=0; fi
    done
    DIR=$saved
    return $result
}

# Whether PORT's claim file leaves it to this DIR: absent, ours, or stale (then removed).
claim_free() {
    local port=$1 file=$REGISTRY/$1 cdir
    [[ -f "$file" ]] || return 0
    read -r cdir <"$file" 2>/dev/null || cdir=""
    [[ "$cdir" == "$DIR" ]] && return 0
    claim_active "$file" "$port" && return 1
    rm -f -- "$file"
}

release_claim() {
    local file cdir
    [[ -d "$REGISTRY" ]] || return 0
    for file in "$REGISTRY"/[0-9]*; do
        [[ -f "$file" ]] || continue
        read -r cdir <"$file" 2>/dev/null || continue
        if [[ "$cdir" == "$DIR" ]]; then rm -f -- "$file" 2>/dev/null || true; fi
    done
}
