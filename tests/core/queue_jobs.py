"""Jobs the queue tests enqueue: each leaves a file behind as proof it ran, and where."""
import json
import os
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from extensions import db


def _write(path: str, content: str) -> None:
    """Write atomically, so a watcher never reads a half-written file."""
    partial = Path(f"{path}.partial")
    partial.write_text(content)
    os.replace(partial, path)


def write_proof(path: str, text: str) -> str:
    """Write the proof atomically, so a watcher never reads a half-written file."""
    _write(path, f"{text}|{current_app.config['SECRET_KEY'] and 'in-app'}")
    return text


def note(path: str, text: str) -> str:
    """Record which app ran the job, in which process, and when."""
    app = current_app.config.get("PROOF_TAG", current_app.import_name)
    _write(path, json.dumps({"text": text, "app": app, "pid": os.getpid(), "at": time.time()}))
    return text


def fail_once(path: str) -> int:
    """Fail on the first attempt and succeed on the next one, counting attempts in the file."""
    attempts = Path(path).read_text().count("\n") + 1 if Path(path).exists() else 1
    with open(path, "a") as file:
        file.write(f"{time.time()}\n")
    if attempts == 1:
        raise RuntimeError("the first attempt fails")
    return attempts


def backend_pid(path: str) -> int:
    """Record the PostgreSQL backend serving this job's database session."""
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    _write(path, str(pid))
    return pid
