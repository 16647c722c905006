"""Jobs the queue tests enqueue: each leaves a file behind as proof it ran, and where."""
import os
from pathlib import Path

from flask import current_app


def write_proof(path: str, text: str) -> str:
    """Write the proof atomically, so a watcher never reads a half-written file."""
    partial = Path(f"{path}.partial")
    partial.write_text(f"{text}|{current_app.config['SECRET_KEY'] and 'in-app'}")
    os.replace(partial, path)
    return text
