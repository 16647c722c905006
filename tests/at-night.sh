#!/usr/bin/env bash
# Run a command with the clock of every process it starts at 02:00 in Moscow on a fixed night
# (libfaketime, Debian's faketime package): the test process, the live server, rq workers and
# chromium all see the same time, which ticks on from there. ARTEL_NIGHT tells the tests which
# night it is (tests/test_night_run.py checks that the clock really moved).
# PostgreSQL's and Redis's own clocks do not move: the product never asks them the time.
set -euo pipefail
export ARTEL_NIGHT="${ARTEL_NIGHT:-2027-01-15T02:00:00+03:00}"
offset=$(( $(date -d "$ARTEL_NIGHT" +%s) - $(date +%s) ))
# A relative offset keeps every process on one clock (a start-at time restarts in each child).
# The monotonic clock stays real: chromium's renderers stop on a faked one, and timeouts measure
# real seconds.
export FAKETIME_DONT_FAKE_MONOTONIC=1
exec faketime -f "$(printf '%+d' "$offset")" "$@"
