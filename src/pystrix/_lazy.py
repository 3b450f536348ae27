"""Package attributes imported on first use (PEP 562), for every package of pystrix.

A package calls :func:`lazy_attributes` with where each of its names is defined and
which submodules may be reached as attributes, and installs the two functions it returns
as its module-level ``__getattr__`` and ``__dir__``.  Kept free of ``typing`` so that
``import pystrix`` stays almost free.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing.TYPE_CHECKING, by the name type checkers know
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping


def lazy_attributes(
    namespace: dict[str, object], names: Mapping[str, str], submodules: Iterable[str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for the package whose globals are ``namespace``.

    ``names`` maps each name the package exports to the submodule that defines it: the
    first read imports that submodule and binds the name in the package, so later reads
    find it directly.  A name in ``submodules`` imports that submodule (the import
    system binds it).  ``__dir__`` lists every public name, imported yet or not.
    """
    package = str(namespace["__name__"])
    reachable = frozenset(submodules)

    def attribute(name: str) -> object:
        module = names.get(name)
        if module is not None:
            value = getattr(import_module(f"{package}.{module}"), name)
            namespace[name] = value
            return value
        if name in reachable:
            return import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def listing() -> list[str]:
        public = {n for n in namespace if n.startswith("__") or not n.startswith("_")}
        exported = namespace.get("__all__", ())
        assert isinstance(exported, (list, tuple))
        return sorted({*public, *exported, *names, *reachable})

    return attribute, listing
