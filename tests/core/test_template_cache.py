"""Compiled templates kept on disk between processes (TEMPLATE_BYTECODE_CACHE)."""
from app import create_app
from config import TestConfig


def _app(cache_dir):
    class Cached(TestConfig):
        TEMPLATE_BYTECODE_CACHE = str(cache_dir)

    return create_app(Cached)


def test_a_new_app_loads_the_templates_another_compiled(tmp_path, db):
    cache = tmp_path / "templates-cache"
    first = _app(cache)
    page = first.test_client().get("/login")
    assert page.status_code == 200 and b"password" in page.data.lower()
    kept = sorted(p.name for p in cache.iterdir())
    assert kept, "nothing was kept"
    second = _app(cache)
    cache_of = second.jinja_env.bytecode_cache
    found = []

    def load(bucket):  # what Jinja asks the cache for each template it needs, and whether the cache had it
        cache_of.__class__.load_bytecode(cache_of, bucket)
        found.append(bucket.code is not None)

    cache_of.load_bytecode = load
    again = second.test_client().get("/login")
    assert again.status_code == 200 and b"password" in again.data.lower()
    assert found and all(found)  # every template of the page came compiled from the cache
    assert sorted(p.name for p in cache.iterdir()) == kept  # and none was compiled anew


def test_without_a_directory_nothing_is_written(tmp_path, db):
    app = _app("")
    assert app.jinja_env.bytecode_cache is None
    assert app.test_client().get("/login").status_code == 200
