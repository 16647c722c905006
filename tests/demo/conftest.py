"""The demo stores its playbook files: in a temporary folder here."""
import pytest


@pytest.fixture(autouse=True)
def upload_folder(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path
