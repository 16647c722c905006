"""Jobs the queue tests enqueue: each leaves a file behind as proof it ran, and where."""
from pathlib import Path

from flask import current_app


def write_proof(path: str, text: str) -> str:
    Path(path).write_text(f"{text}|{current_app.config['SECRET_KEY'] and 'in-app'}")
    return text
