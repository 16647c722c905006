"""The shape of the code, read from its imports: who may lean on whom.

- core is the ground floor: it imports no domain package (those plug in through app.py, signals
  and registered hooks);
- no two modules import each other, however long the loop, counting module-level imports;
- orders reaches dispatch only through its face, dispatch.service;
- only core talks to RQ and Redis (core.queue, core.throttle, the limiter's storage by URL);
- a job is named in one place, dispatch.promises, and nowhere else in the product.
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("core", "clients", "demo", "dispatch", "franchise", "leads", "orders", "playbook", "ratings", "royalty",
            "workers")
DOMAIN = tuple(p for p in PACKAGES if p != "core")


def _modules() -> dict[str, pathlib.Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    for single in ("app", "extensions", "config"):
        found[single] = ROOT / f"{single}.py"
    return found


MODULES = _modules()


def _imports(path: pathlib.Path, top_level_only: bool) -> set[str]:
    """The modules path imports (all of them, or only those imported when it loads)."""
    tree = ast.parse(path.read_text(), str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _product_imports(path, top_level_only=False) -> set[str]:
    return {name for name in _imports(path, top_level_only) if name in MODULES}


def test_the_walk_sees_the_product():
    assert {"core.queue", "dispatch.service", "dispatch.promises", "orders.service", "app"} <= set(MODULES)
    assert "dispatch.service" in _product_imports(MODULES["orders.service"])


def test_core_imports_no_domain_package():
    leaks = sorted(f"{name} imports {other}" for name, path in MODULES.items() if name.startswith("core")
                   for other in _product_imports(path) if other.split(".")[0] in DOMAIN)
    assert leaks == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_loop_between_modules():
    graph = {name: {other for other in _product_imports(path, top_level_only=True) if other != name}
             for name, path in MODULES.items()}
    assert _cycle(graph) is None


def test_the_loop_finder_finds_a_loop():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_orders_reaches_dispatch_only_through_its_face():
    reaches = sorted(f"{name} imports {other}" for name, path in MODULES.items() if name.startswith("orders")
                     for other in _product_imports(path)
                     if other.startswith("dispatch") and other not in ("dispatch", "dispatch.service"))
    assert reaches == []


@pytest.mark.parametrize("library", ["rq", "redis"])
def test_only_core_talks_to_the_queue_and_redis(library):
    users = sorted(name for name, path in MODULES.items() if not name.startswith("core")
                   and any(n == library or n.startswith(f"{library}.") for n in _imports(path, False)))
    assert users == []


def test_jobs_are_named_only_in_the_promises():
    jobs = ast.parse((ROOT / "dispatch/jobs.py").read_text())
    names = [f"dispatch.jobs.{node.name}" for node in jobs.body if isinstance(node, ast.FunctionDef)
             and not node.name.startswith("_")]
    assert names, "dispatch.jobs defines no job"
    naming = sorted({name for name, path in MODULES.items() for node in ast.walk(ast.parse(path.read_text()))
                     if isinstance(node, ast.Constant) and node.value in names and name != "dispatch.promises"})
    assert naming == []
    assert any(isinstance(node, ast.Constant) and node.value in names
               for node in ast.walk(ast.parse(MODULES["dispatch.promises"].read_text())))
