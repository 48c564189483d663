"""Packages whose names load on first use (PEP 562), shared by `rnnviz` and `rnnviz.lab`.

`import rnnviz` then costs nothing (so `rnnviz --help` answers at once), while `rnnviz.unroll(...)`
and `rnnviz.tables.states_frame(...)` still work as written.
"""

from __future__ import annotations

import importlib
import sys
import types


class _Package(types.ModuleType):
    """Keeps an exported function when its own submodule loads: the import system binds a loaded
    submodule as an attribute of its package, so `import rnnviz.unroll` would otherwise replace
    the function of that name with the module."""

    def __setattr__(self, name: str, value) -> None:
        names = self.__dict__.get("_NAMES", {})
        if isinstance(value, types.ModuleType) and names.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


def lazy_package(module_name: str, names: dict[str, str], submodules: tuple[str, ...] = ()) -> None:
    """Give the package `module_name` its lazy names: public name -> defining module, and
    submodules reachable as attributes without their own import."""
    module = sys.modules[module_name]
    module._NAMES = names

    def __getattr__(name: str):
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
        elif name in submodules:
            value = importlib.import_module(f"{module_name}.{name}")
        else:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        setattr(module, name, value)  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(module), *names, *submodules})

    module.__getattr__ = __getattr__
    module.__dir__ = __dir__
    module.__class__ = _Package
