"""Every public name teaches something in ``help()``: a test fails when one has no docstring.

Public means: a module whose dotted name has no part starting with ``_``; in it, every class and
function defined there whose name does not start with ``_``; in such a class, every method,
property, classmethod and staticmethod it defines without a leading ``_``. A method that overrides
a documented one inherits its docstring (``inspect.getdoc``), as ``help()`` shows it. Exempt are
the op protocol methods ``forward``, ``backward`` and ``jvp`` of ``Function`` subclasses: an op's
class docstring states its math once, for all three.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import tinygrad_edu
from tinygrad_edu.autograd import Function

OP_PROTOCOL = frozenset({"forward", "backward", "jvp"})


def _public_modules() -> list[ModuleType]:
    found = [tinygrad_edu]
    for info in pkgutil.walk_packages(tinygrad_edu.__path__, "tinygrad_edu."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            found.append(importlib.import_module(info.name))
    return found


def _undocumented_members(cls: type) -> list[str]:
    missing = []
    for name, value in vars(cls).items():
        if name.startswith("_") or (issubclass(cls, Function) and name in OP_PROTOCOL):
            continue
        member = inspect.isfunction(value) or isinstance(
            value, (property, classmethod, staticmethod)
        )
        if member and not inspect.getdoc(getattr(cls, name)):
            missing.append(f"{cls.__qualname__}.{name}")
    return missing


def undocumented(module: ModuleType) -> list[str]:
    """The public names of ``module`` (and their public members) that have no docstring."""
    missing = [] if inspect.getdoc(module) else ["(the module itself)"]
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isclass(obj) or inspect.isfunction(obj):
            if not inspect.getdoc(obj):
                missing.append(name)
            if inspect.isclass(obj):
                missing += _undocumented_members(obj)
    return missing


def test_every_public_name_has_a_docstring() -> None:
    gaps = {m.__name__: names for m in _public_modules() if (names := undocumented(m))}
    listing = "\n".join(f"  {mod}: {', '.join(names)}" for mod, names in sorted(gaps.items()))
    assert not gaps, f"public names without a docstring:\n{listing}"


def test_the_check_sees_a_missing_docstring() -> None:
    module = ModuleType("example", "A module with one documented and two undocumented names.")

    def documented() -> None:
        """Has one."""

    def bare() -> None:
        pass

    class Thing:
        """A class with an undocumented method and property."""

        def method(self) -> None:
            pass

        @property
        def size(self) -> int:
            return 0

    for obj in (documented, bare, Thing):
        obj.__module__ = "example"
        setattr(module, obj.__name__, obj)
    Thing.__qualname__ = "Thing"
    assert undocumented(module) == ["bare", "Thing.method", "Thing.size"]
