#!/usr/bin/env bash
# Run PYTHON ARGS... with the clock of every process it starts at 02:00 in Moscow on a fixed night:
# the test process, the live server, rq workers and every other child see the same time, which
# ticks on from there (chromium alone keeps the real clock: see tests/browser/conftest.py).
# ARTEL_NIGHT tells the tests which night it is (tests/test_night_run.py checks that the clock
# really moved). PostgreSQL's and Redis's own clocks do not move: the product never asks them.
#
# The clock is libfaketime's, as built by the `libfaketime` package of requirements-dev.txt
# (Debian 12's own build hangs Python 3.11's timed waits or fails its time.sleep).
set -euo pipefail
python="$1"
library=$("$python" -c 'import pathlib, libfaketime; print(pathlib.Path(libfaketime.__file__).parent / "vendor/libfaketime/src/libfaketime.so.1")')
export ARTEL_NIGHT="${ARTEL_NIGHT:-2027-01-15T02:00:00+03:00}"
# One relative offset keeps every process on one clock (a start-at time restarts in each child);
# the monotonic clock stays real, so timeouts measure real seconds.
export FAKETIME="$(printf '%+d' $(( $(date -d "$ARTEL_NIGHT" +%s) - $(date +%s) )))"
export FAKETIME_DONT_FAKE_MONOTONIC=1
export LD_PRELOAD="$library${LD_PRELOAD:+:$LD_PRELOAD}"
exec "$@"
