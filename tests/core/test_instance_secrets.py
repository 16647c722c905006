"""Instance secrets: owner-only from the first byte, and one secret when processes start at once.

Each case runs config._instance_secret in fresh Python processes and watches the instance
directory through Python's audit hooks (PEP 578), which fire before every file operation:
what another user could have read at any moment, and who waits for whom in a race.
"""
import ast
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run with: instance dir, a directory for signals, and this process's part ("watch", "first", "second").
SCRIPT = textwrap.dedent("""
    import os, stat, sys, time
    from pathlib import Path
    instance, signals, part = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    import config

    seen, paused = [], []

    def modes():
        return [(p.name, stat.S_IMODE(p.stat().st_mode), p.stat().st_size)
                for p in instance.iterdir() if p.is_file()]

    def hook(event, args):
        if not args or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        if not str(os.fsdecode(args[0])).startswith(str(instance) + os.sep):
            return
        if part == "watch":
            seen.extend(modes())
        elif part == "second" and event == "open" and not paused:
            # past any "is it there yet?" check, about to create the file: let the first finish
            paused.append(True)
            (signals / "second-waiting").touch()
            while not (signals / "first-done").exists():
                time.sleep(0.01)

    sys.addaudithook(hook)
    if part == "watch":
        os.umask(0)  # the worst umask: nothing but the code itself keeps the file private
    secret = config._instance_secret("secret_key")
    print(secret)
    if part == "watch":
        print(repr(seen))
""")


def _start(instance, signals, part):
    env = {**os.environ, "ARTEL_INSTANCE_DIR": str(instance), "SECRET_KEY": "set", "TWILIO_AUTH_TOKEN": "set"}
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(instance), str(signals), part], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path, process):
    deadline = time.monotonic() + 30
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.01)


def test_a_new_secret_is_never_readable_by_others(tmp_path):
    instance = tmp_path / "instance"
    out, err = _start(instance, tmp_path, "watch").communicate(timeout=60)
    assert err == "", err
    secret, seen = out.splitlines()
    seen = ast.literal_eval(seen)
    assert len(secret) == 64
    assert any(size > 0 for _name, _mode, size in seen), "the watch never saw the secret written"
    assert {mode for _name, mode, _size in seen} == {0o600}, seen
    assert oct((instance / "secret_key").stat().st_mode & 0o777) == oct(0o600)
    assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_two_processes_starting_at_once_share_one_secret(tmp_path):
    instance, signals = tmp_path / "instance", tmp_path / "signals"
    signals.mkdir()
    second = _start(instance, signals, "second")
    _wait_for(signals / "second-waiting", second)  # the second has looked and found no secret yet
    first_out, first_err = _start(instance, signals, "first").communicate(timeout=60)
    assert first_err == "", first_err
    (signals / "first-done").touch()
    second_out, second_err = second.communicate(timeout=60)
    assert second_err == "", second_err
    assert first_out.strip() == second_out.strip() == (instance / "secret_key").read_text().strip()
    assert len(first_out.strip()) == 64
