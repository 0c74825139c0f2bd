"""Importing Great Expectations, which takes seconds; a speed technique (orchestration/speedups.py).

With the speed techniques on, a run starts the import in a background thread while its files
load (`import_in_background`), and GX is imported without the modules its KL-divergence
expectation imports for charts and entropy (DEFERRED_IMPORTS), which no suite here uses: a
stand-in module takes their place during the import, and imports the real one when first
used. With them off, `import great_expectations` runs when the checks first need it.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from functools import cache

from orchestration import speedups

DEFERRED_IMPORTS = ("altair", "scipy.stats")


class _StandIn(types.ModuleType):
    """Imported in place of a module during GX's import: the first attribute read imports the
    real module (`alt.Chart` when a chart is drawn) and reads it there."""

    def __getattr__(self, attribute: str):
        if sys.modules.get(self.__name__) is self:
            sys.modules.pop(self.__name__, None)
        return getattr(importlib.import_module(self.__name__), attribute)


def import_great_expectations() -> types.ModuleType:
    """`import great_expectations`; with the speed techniques on, DEFERRED_IMPORTS are imported
    only when used. The stand-ins are in `sys.modules` only while GX is imported: modules
    importing them later get the real ones."""
    stand_ins = {name: _StandIn(name) for name in DEFERRED_IMPORTS
                 if name not in sys.modules and speedups.enabled()}
    sys.modules.update(stand_ins)
    try:
        import great_expectations
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
    return great_expectations


def import_in_background() -> None:
    """With the speed techniques on, start importing GX in a daemon thread (once per process)."""
    if speedups.enabled():
        _start_import()


@cache
def _start_import() -> None:
    """GX imports SQLAlchemy's ORM, which registers inspection hooks that Dagster's storage calls
    from its own threads; a hook of a module still being imported in the background fails
    there ("partially initialized module 'sqlalchemy.orm.exc'"), so the ORM is imported first,
    in the calling thread."""
    import sqlalchemy.orm  # noqa: F401

    threading.Thread(target=import_great_expectations, name="import-great-expectations", daemon=True).start()
