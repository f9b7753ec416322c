"""The package's floor plan (docs/layout.md, "Layout"): every import, deferred ones included, goes
down the layers, and no two modules import each other in a loop."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "newsbot"

# Lowest first. A module may import its own layer's modules and those of the layers below.
LAYERS = (
    ("newsbot.errors", "newsbot.items", "newsbot.urls", "newsbot.dates", "newsbot.text", "newsbot.secrets"),
    ("newsbot.html",),
    ("newsbot.pages",),
    ("newsbot.sites",),
    ("newsbot.extract",),
    ("newsbot.storage",),
    ("newsbot.publish",),
    ("newsbot.cluster",),
    ("newsbot.settings", "newsbot.crawl"),
    ("newsbot.cli",),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def layer_of(module: str) -> int:
    for number, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return number
    raise AssertionError(f"{module} is in no layer of LAYERS: give it one")


def imports_of(module: str) -> set[str]:
    """The newsbot modules ``module`` imports, at the top or inside functions."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                found.add(name)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_module_has_a_layer_and_imports_only_its_own_or_lower_layers():
    upward = [f"{m} (layer {layer_of(m)}) imports {i} (layer {layer_of(i)})"
              for m, imported in sorted(GRAPH.items()) for i in sorted(imported) if layer_of(i) > layer_of(m)]
    assert upward == []


def test_no_modules_import_each_other_in_a_loop():
    loops, done = [], set()

    def visit(module, path):
        if module in path:
            loops.append(" -> ".join(path[path.index(module):] + [module]))
            return
        if module in done:
            return
        for imported in sorted(GRAPH[module]):
            visit(imported, path + [module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])
    assert loops == []


def test_the_check_sees_an_upward_import_and_a_loop():
    # The two tests above would pass on an empty graph: they must see what they look for.
    assert layer_of("newsbot.cli.pages") > layer_of("newsbot.crawl.spiders") > layer_of("newsbot.extract")
    assert "newsbot.extract" in GRAPH["newsbot.crawl.spiders"]
    assert "newsbot.html.body" in GRAPH["newsbot.extract"]
