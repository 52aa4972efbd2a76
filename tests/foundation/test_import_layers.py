"""predictor's layers point one way: views/api/commands -> services -> tasks -> reading -> models.

Imports inside functions count too: that is how the old circle (reading -> services -> tasks ->
reading) hid, and why moving one of them to the top broke the worker at start.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("predictor", "grading")


def imports_of(path: Path, package: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # `from predictor import reading` names a module too.
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith(package + ".")}


def graph(package: str) -> dict[str, set[str]]:
    modules = {p.stem: p for p in (ROOT / package).glob("*.py")}
    edges = {}
    for name, path in modules.items():
        targets = {target.split(".")[1] for target in imports_of(path, package)}
        edges[name] = {t for t in targets if t in modules and t != name}
    return edges


def cycle_from(edges: dict[str, set[str]], start: str, path=()) -> tuple | None:
    for target in sorted(edges.get(start, ())):
        if target in path:
            return (*path[path.index(target) :], start, target)
        found = cycle_from(edges, target, (*path, start))
        if found:
            return found
    return None


def test_it_finds_no_import_circle_in_predictor():
    edges = graph("predictor")
    cycles = [c for c in (cycle_from(edges, name) for name in edges) if c]
    assert not cycles, f"import circle: {' -> '.join(cycles[0])}"


def test_it_keeps_reading_below_services_and_tasks():
    assert not {"services", "tasks", "views", "api"} & graph("predictor")["reading"]


def test_it_finds_a_circle_when_there_is_one():
    assert cycle_from({"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a") == ("a", "b", "c", "a")


def test_it_queues_celery_tasks_only_from_tasks_modules():
    queued = re.compile(r"\.(delay|apply_async)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path.name != "tasks.py" and queued.search(path.read_text())
    ]
    assert not offenders, f"queue through an enqueue_* helper in tasks.py: {offenders}"
