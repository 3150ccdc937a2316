"""The house's floors: each module imports only its own floor and those below it.

    ground    models errors config networks history labels datasets text/
    store     store/
    plug-ins  screens/ classifiers/ art/ platforms/
    pipeline  pipeline/
    operate   operate/ measure/  (what people and the breaker do; how well it judges)
    top       training/ web/ cli/ testing

Imports under `if TYPE_CHECKING:` name a type and run nothing; they are not counted. Imports
inside functions are (they run). `training` is never imported by the run time: only the CLI
(its `model` commands) and training itself may.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import happybot

PACKAGE = Path(happybot.__file__).parent

FLOORS = {
    "ground": 0,
    "store": 1,
    "plug-ins": 2,
    "pipeline": 3,
    "operate": 4,
    "top": 5,
}
ROOMS = {
    **dict.fromkeys(
        ["models", "errors", "config", "networks", "history", "labels", "datasets", "text"],
        "ground",
    ),
    "store": "store",
    **dict.fromkeys(["screens", "classifiers", "art", "platforms"], "plug-ins"),
    "pipeline": "pipeline",
    **dict.fromkeys(["operate", "measure"], "operate"),
    **dict.fromkeys(["training", "web", "cli", "testing", "__main__"], "top"),
}
MAY_IMPORT_TRAINING = {"cli", "training"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "happybot"


def _type_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under `if TYPE_CHECKING:`."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for child in ast.walk(node):
                if isinstance(child, ast.Import | ast.ImportFrom):
                    lines.add(child.lineno)
    return lines


def imports() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports (at run time)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module = module_name(path)
        tree = ast.parse(path.read_text("utf-8"))
        skip = _type_only(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "happybot":
                    found[module] |= {f"happybot.{a.name}" for a in node.names}
                elif node.module.startswith("happybot."):
                    found[module].add(node.module)
            elif isinstance(node, ast.Import):
                found[module] |= {a.name for a in node.names if a.name.startswith("happybot.")}
    return found


def upward() -> list[str]:
    wrong = []
    for module, targets in sorted(imports().items()):
        mine = room(module)
        for target in sorted(targets):
            theirs = room(target)
            if mine == theirs or theirs == "happybot":
                continue
            if FLOORS[ROOMS[theirs]] > FLOORS[ROOMS[mine]]:
                wrong.append(f"{module} -> {target}")
            elif theirs == "training" and mine not in MAY_IMPORT_TRAINING:
                wrong.append(f"{module} -> {target} (the run time never imports training)")
    return wrong


def circles() -> list[list[str]]:
    """Cycles between rooms (a room importing another that imports it back)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in imports().items():
        for target in targets:
            a, b = room(module), room(target)
            if a != b and "happybot" not in (a, b):
                graph[a].add(b)
    found: list[list[str]] = []
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start and len(path) > 1 and min(path) == start:
                    found.append([*path, start])
                elif nxt not in path and nxt > start:
                    stack.append((nxt, [*path, nxt]))
    return found


def test_every_room_has_a_floor() -> None:
    rooms = {room(m) for m in imports()} - {"happybot"}
    assert rooms <= set(ROOMS), sorted(rooms - set(ROOMS))


def test_no_module_imports_a_floor_above_its_own() -> None:
    assert upward() == []


def test_no_two_rooms_import_each_other() -> None:
    assert circles() == []
