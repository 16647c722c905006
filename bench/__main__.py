"""Run every benchmark against PostgreSQL and Redis and write bench/results.json."""
import os
import sys

from bench import candidates, dashboard, dispatch, foundation, leads, royalty, search, storm
from bench.harness import BENCH_DB_URL, BENCH_REDIS_URL, RESULTS, recreate_database, write_results

SUITES = [foundation, candidates, search, dispatch, storm, royalty, leads, dashboard]


def main(names: list[str]) -> int:
    """Run every suite on a fresh database, or only the named ones on the database the last run left."""
    os.environ.setdefault("ARTEL_INSTANCE_DIR", os.path.join(os.getcwd(), "bench", ".data"))
    from app import create_app
    from config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = BENCH_DB_URL
        REDIS_URL = BENCH_REDIS_URL
        RATELIMIT_STORAGE_URI = BENCH_REDIS_URL
        EMBEDDED_WORKER = False

    chosen = [suite for suite in SUITES if suite.__name__.rsplit(".", 1)[-1] in names] if names else SUITES
    if not names:
        recreate_database()
    app = create_app(BenchConfig)
    figures = {}
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        for suite in chosen:
            result = suite.run(app)
            for name, value in result.items():
                print(f"{name:>36}: {value}")
            figures.update(result)
    write_results(figures)
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
