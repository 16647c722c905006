"""The playbook's files go to a temporary folder in every test."""
import pytest


@pytest.fixture(autouse=True)
def upload_folder(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path / "playbook"
