"""Where the time of a running process goes: py-spy samples it (and the processes it forked) from outside."""
import re
import signal
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY_SPY = Path(sys.executable).with_name("py-spy")
RATE = 250  # samples a second


@contextmanager
def sampled(pid: int, raw: Path, cpu: bool = False):
    """Sample pid and its children with py-spy for the block; write the stacks to raw (collapsed, one a line).

    cpu: only threads running Python (holding the GIL), so waits for the database are left out."""
    spy = subprocess.Popen([str(PY_SPY), "record", "--pid", str(pid), "--subprocesses", "--rate", str(RATE),
                            "--format", "raw", "--output", str(raw), *(["--gil"] if cpu else [])],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes what it has on Ctrl-C
        spy.wait(60)


def summary(raw: Path, top: int = 25) -> str:
    """Return the functions most often on the stack (inclusive) and on top of it (self), in % of the samples."""
    inclusive, own, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_short(frame) for frame in stack.split(";")]
        if frames and frames[0].startswith("process "):
            frames = frames[1:]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    if not total:
        return "no samples"
    lines = [f"{total} samples; on the stack (inclusive):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["on top of the stack (self):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


def _short(frame: str) -> str:
    """`handle_inbound (dispatch/inbound.py)`: the line number, site-packages' and the project's prefix cut off."""
    name, _, where = frame.partition(" (")
    where = re.sub(r":\d+\)?$", "", where.rstrip(")"))
    for prefix in ("site-packages/", f"{ROOT}/"):
        where = where.split(prefix, 1)[-1]
    return f"{name} ({where})" if where else name
