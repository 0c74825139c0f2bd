"""The dependency rule of docs/architecture.md: a module imports only from its own layer or the
layers below it, never from benchmarks or tests. Every import counts, those inside functions too,
and every module must have a layer, so a new module makes its author place it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("orchestration", "dashboards")

# Lowest first. A unit is a module or subpackage of orchestration, or the dashboards package.
LAYERS = (
    ("landing spec", {"orchestration.sources", "orchestration.rules"}),
    ("warehouse access", {"orchestration.settings", "orchestration.warehouse", "orchestration.roles", "orchestration.pseudonym",
                          "orchestration.run_lock", "orchestration.raw_schema", "orchestration.policy"}),
    ("loading, checking, building, generating", {"orchestration.loading", "orchestration.quality",
                                                 "orchestration.generator", "orchestration.dbt_project",
                                                 "orchestration.landing_docs", "orchestration.citus_cluster"}),
    ("readers of the marts", {"orchestration.bulletin", "orchestration.alerts", "dashboards"}),
    ("Dagster definitions", {"orchestration.defs", "orchestration.resources", "orchestration.definitions",
                             "orchestration.progress"}),
    ("commands", {"orchestration.pipeline", "orchestration.serving", "orchestration.cli", "orchestration.backup",
                  "orchestration.upgrade"}),
)
LAYER = {unit: number for number, (_, units) in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "orchestration" else parts[0]


def imported_modules(path: Path) -> set[str]:
    """Every absolute module `path` imports (`from orchestration import x` imports orchestration.x)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules |= {f"{node.module}.{alias.name}" if node.module in PACKAGES else node.module for alias in node.names}
    return modules


def project_modules() -> dict[str, Path]:
    files = [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    return {".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path for path in files}


def test_every_module_has_a_layer():
    units = {unit_of(module) for module in project_modules()} - set(PACKAGES[:1])
    assert sorted(units - set(LAYER)) == []


def test_no_module_imports_from_a_higher_layer_or_from_tests_and_benchmarks():
    breaches = []
    for module, path in project_modules().items():
        unit = unit_of(module)
        for imported in imported_modules(path):
            target = unit_of(imported)
            if target in ("tests", "benchmarks"):
                breaches.append(f"{module} imports {imported}")
            elif target in LAYER and unit in LAYER and LAYER[target] > LAYER[unit]:
                breaches.append(f"{module} ({LAYERS[LAYER[unit]][0]}) imports {imported} ({LAYERS[LAYER[target]][0]})")
    assert breaches == []
