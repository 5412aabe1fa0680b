#!/usr/bin/env bash
# test-cluster.sh up|down PID - the private single-node Slurm cluster shared by the test files
# that need it (tests/support/slurmCluster.ts). `up PID` starts it with start-local-slurm.sh unless
# it runs already, records PID as a user and prints the cluster's `export` lines; `down PID`
# removes that user and stops the cluster when no live user is left, but only a cluster the tests
# started (one that was running before, a developer's, is left alone). A flock serialises both.
# The start/stop scripts are ../shared/slurm's when the clone has that sibling, else the copies
# beside this file (GPNN_SLURM_SCRIPTS overrides).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scripts=${GPNN_SLURM_SCRIPTS:-$here}
DIR=${SLURM_LOCAL_DIR:-${TMPDIR:-$(dirname "$(mktemp -u)")}/local-slurm}
state=$DIR.gpnn-tests
mkdir -p "$state"
exec 9>"$state/lock"
flock -w 300 9 || { echo "test-cluster.sh: waited 300 s for $state/lock" >&2; exit 1; }

live_users() {
  local f p
  for f in "$state"/user-*; do
    [ -e "$f" ] || continue
    p=${f##*/user-}
    if kill -0 "$p" 2>/dev/null; then echo "$p"; else rm -f "$f"; fi
  done
}

echo "$(date -u +%FT%TZ) $* (live users: $(live_users | tr '\n' ' ')owner: $(cat "$state/owner" 2>/dev/null || echo none))" >> "$state/history"

case "${1:-}" in
  up)
    [ -n "${2:-}" ] || { echo "usage: $0 up PID" >&2; exit 2; }
    # 9>&-: the daemons it starts must not inherit (and so hold) the lock
    if ! SLURM_LOCAL_DIR=$DIR "$scripts/start-local-slurm.sh" >/dev/null 2>"$state/start.log" 9>&-; then
      tail -n 5 "$state/start.log" >&2
      exit 1
    fi
    # Who owns it: the tests, when the start script had to start it and no owner was recorded.
    if [ ! -s "$state/owner" ] && [ -z "$(live_users)" ]; then
      if grep -q "already running" "$state/start.log"; then echo external > "$state/owner"; else echo tests > "$state/owner"; fi
    fi
    touch "$state/user-$2"
    cat "$DIR/env.sh"
    ;;
  down)
    [ -n "${2:-}" ] || { echo "usage: $0 down PID" >&2; exit 2; }
    rm -f "$state/user-$2"
    if [ -z "$(live_users)" ]; then
      if [ "$(cat "$state/owner" 2>/dev/null)" = tests ]; then SLURM_LOCAL_DIR=$DIR "$scripts/stop-local-slurm.sh" 2>>"$state/stop.log" 9>&-; fi
      rm -f "$state/owner"
    fi
    ;;
  *) echo "usage: $0 up|down PID" >&2; exit 2 ;;
esac
