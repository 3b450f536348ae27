"""The documentation's own Sphinx directives: everything they show comes from the code.

* ``.. pystrix-api:: module``: the module's docstring and every public object it defines
  (``automodule`` plus one ``autoclass``/``autofunction``/``autodata`` per object).  An
  object is documented once, in the module whose source defines it; an object that a
  public module exports from a private one (``pystrix.ami.ReconnectPolicy`` lives in
  ``pystrix.ami._frontend``) is documented in the first public module that exports it.
* ``.. pystrix-ami-actions::``, ``.. pystrix-ami-events::``, ``.. pystrix-agi-commands::``:
  one entry per AMI action, AMI event and AGI command, read from
  :mod:`pystrix.ami.catalog` and :mod:`pystrix.agi.core` at build time: parameters, the
  header each sets, required or not, "since Asterisk N", list and aggregate events.
* ``.. pystrix-cli::``: the help of ``pystrix`` and of each of its subcommands, as
  :func:`pystrix.cli.build_parser` formats it.

The catalog and API directives write reStructuredText and parse it, so they belong in
``.rst`` pages; ``pystrix-cli`` builds its nodes directly and works in MyST pages too.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import inspect
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

__all__ = ["setup"]

#: The public modules whose objects the API reference documents, in page order: an
#: object exported from a private module is documented in the first one that exports it.
API_MODULES = (
    "pystrix",
    "pystrix.ami",
    "pystrix.ami.manager",
    "pystrix.ami.aio",
    "pystrix.ami.errors",
    "pystrix.ami.request",
    "pystrix.ami.message",
    "pystrix.ami.events",
    "pystrix.ami.action",
    "pystrix.ami.catalog",
    "pystrix.ami.core",
    "pystrix.ami.core_events",
    "pystrix.ami.pjsip",
    "pystrix.ami.pjsip_events",
    "pystrix.ami.app_confbridge",
    "pystrix.ami.app_confbridge_events",
    "pystrix.ami.app_meetme",
    "pystrix.ami.app_meetme_events",
    "pystrix.ami.dahdi",
    "pystrix.ami.dahdi_events",
    "pystrix.ami.protocol",
    "pystrix.ami.generic_transforms",
    "pystrix.ami.ami",
    "pystrix.agi",
    "pystrix.agi.agi",
    "pystrix.agi.fastagi",
    "pystrix.agi.aio",
    "pystrix.agi.asyncagi",
    "pystrix.agi.core",
    "pystrix.agi.errors",
    "pystrix.agi.protocol",
    "pystrix.agi.agi_core",
    "pystrix.testing",
    "pystrix.testing.simulator",
    "pystrix.testing.faults",
    "pystrix.testing.agi",
    "pystrix.testing.pytest_plugin",
    "pystrix.testing.redis_server",
    "pystrix.fleet",
    "pystrix.fleet.config",
    "pystrix.fleet.streams",
    "pystrix.fleet.bridge",
    "pystrix.fleet.redis",
    "pystrix.cli",
)

_SINCE = re.compile(r"\s*Since\s+Asterisk\s+(\d+(?:\.\d+)*)\.(?=\s|$)")


def _rst(lines: list[str], source: str) -> StringList:
    return StringList(lines, source=source)


def _parse(directive: SphinxDirective, lines: list[str]) -> list[nodes.Node]:
    """Parse generated reStructuredText (section titles allowed) into nodes."""
    container = nodes.section()
    container.document = directive.state.document
    source = directive.get_source_info()[0]
    nested_parse_with_titles(directive.state, _rst(lines, source), container)
    return list(container.children)


def _is_private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


def _literal(value: object) -> str:
    """``value`` as inline literal text (repr), safe for any content."""
    text = repr(value).replace("`", "'")
    return f"``{text}``"


# -- the API reference -------------------------------------------------------------------


def _own_names(module: Any) -> list[str]:
    """The public top-level names the module's own source defines (not imports), in order."""
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return []
    names: list[str] = []
    for statement in ast.parse(source).body:
        targets: list[str] = []
        if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            targets = [statement.name]
        elif isinstance(statement, ast.Assign):
            targets = [t.id for t in statement.targets if isinstance(t, ast.Name)]
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            targets = [statement.target.id]
        names.extend(name for name in targets if not name.startswith("_") and name not in names)
    return names


def _exported(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    return list(names) if names is not None else []


def _homes() -> dict[int, str]:
    """Object id -> the public module that documents it (for objects of private modules)."""
    homes: dict[int, str] = {}
    for name in API_MODULES:
        module = _import(name)
        if module is None:
            continue
        for attribute in _exported(module):
            value = getattr(module, attribute, None)
            owner = getattr(value, "__module__", None)
            public_api = inspect.isclass(value) or inspect.isfunction(value)
            if public_api and owner and owner.startswith("pystrix.") and _is_private(owner):
                homes.setdefault(id(value), name)
    return homes


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _documented(module: Any, homes: dict[int, str]) -> list[tuple[str, Any]]:
    """``(name, object)`` for each object the module's page documents, in source order
    (then the exported objects of private modules, in ``__all__`` order)."""
    found: list[tuple[str, Any]] = []
    exported = _exported(module)
    own = _own_names(module)
    for name in own:
        if exported and name not in exported:
            continue  # public-looking helpers the module does not export
        value = getattr(module, name, None)
        if inspect.ismodule(value):
            continue
        owner = getattr(value, "__module__", module.__name__)
        if (inspect.isclass(value) or inspect.isfunction(value)) and owner != module.__name__:
            continue  # an alias of another module's object
        found.append((name, value))
    for name in exported:
        value = getattr(module, name, None)
        if homes.get(id(value)) == module.__name__ and all(name != n for n, _ in found):
            found.append((name, value))
    return found


def _inherited_option(cls: type) -> list[str]:
    """Show members inherited from private pystrix base classes (``ManagerBase``), and no
    others (not ``dict``'s, not ``socketserver``'s)."""
    private = [
        base
        for base in cls.__mro__[1:]
        if base.__module__.startswith("pystrix.") and _is_private(base.__module__)
    ]
    if not private:
        return []
    excluded = [base.__name__ for base in cls.__mro__[1:] if base not in private]
    return [f"   :inherited-members: {', '.join(excluded)}"]


def api_lines(name: str) -> list[str]:
    """The reStructuredText that documents module ``name`` (see the module docstring)."""
    module = importlib.import_module(name)
    lines = [f".. automodule:: {name}", "   :no-members:", "", f".. currentmodule:: {name}", ""]
    for attribute, value in _documented(module, _homes()):
        if inspect.isclass(value):
            kind = "autoexception" if issubclass(value, BaseException) else "autoclass"
            lines += [
                f".. {kind}:: {attribute}",
                "   :members:",
                "   :show-inheritance:",
                *_inherited_option(value),
                "",
            ]
        elif inspect.isfunction(value) or inspect.isfunction(getattr(value, "__wrapped__", None)):
            # A function, or a wrapper of one (a pytest fixture): shown as the function.
            lines += [f".. autofunction:: {attribute}", ""]
        else:
            lines += [f".. autodata:: {attribute}", ""]
    return lines


class ApiModule(SphinxDirective):
    """``.. pystrix-api:: pystrix.ami.manager``: a module and what it defines."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        try:
            lines = api_lines(name)
        except ImportError as exc:
            raise self.error(f"cannot import {name}: {exc}") from exc
        self.env.note_dependency(inspect.getfile(importlib.import_module(name)))
        return _parse(self, lines)


# -- the AMI catalog ---------------------------------------------------------------------


def _summary(cls: type) -> tuple[str, str | None]:
    """The class's documentation, and the Asterisk version its "Since Asterisk N."
    sentence gives (that sentence is taken out of the text: the entry shows it apart)."""
    doc = inspect.getdoc(cls) or ""
    match = _SINCE.search(doc)
    if match is None:
        return doc, None
    return doc[: match.start()] + doc[match.end() :], match.group(1)


def _since_text(since: str | None) -> str:
    return f"Asterisk {since}" if since else "not recorded"


def _anchor(prefix: str, name: str) -> str:
    return f"{prefix}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}"


def _title(text: str, mark: str) -> list[str]:
    return [text, mark * len(text), ""]


def _table(header: list[str], rows: list[list[str]], widths: str | None = None) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append(f"   :widths: {widths}")
    lines.append("")
    for row in [header, *rows]:
        first, *rest = row
        lines.append(f"   * - {first}")
        lines.extend(f"     - {cell}" for cell in rest)
    return [*lines, ""]


def _probe_headers(cls: type) -> dict[str, list[str]]:
    """For an action with a hand-written constructor: which headers each parameter sets,
    found by building the action with and without a distinctive value for it (alone,
    then with every other parameter given too, for one that only counts with another:
    ``Login``'s ``authtype`` with ``challenge``)."""
    signature = inspect.signature(cls)
    parameters = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    required: dict[str, object] = {
        p.name: f"probe-{p.name}" for p in parameters if p.default is p.empty
    }

    def build(arguments: dict[str, object]) -> dict[str, object] | None:
        try:
            return dict(cls(**arguments))
        except Exception:  # that value does not suit the class
            return None

    def candidates(parameter: inspect.Parameter) -> list[object]:
        if parameter.default is parameter.empty:
            return ["other-value"]
        if isinstance(parameter.default, bool):
            return [not parameter.default]
        return ["probe-value", 987654, ["probe-value"]]

    def changed(before: dict[str, object], after: dict[str, object]) -> list[str]:
        keys = {**before, **after}
        return sorted(k for k in keys if k != "Action" and before.get(k) != after.get(k))

    base = build(required)
    if base is None:
        return {}
    working: dict[str, object] = {}
    for parameter in parameters:
        for candidate in candidates(parameter):
            if build({**required, parameter.name: candidate}) is not None:
                working[parameter.name] = candidate
                break
    found: dict[str, list[str]] = {}
    for name, value in working.items():
        alone = build({**required, name: value})
        headers = changed(base, alone) if alone is not None else []
        if not headers:
            others = {k: v for k, v in working.items() if k != name}
            without = build({**required, **others})
            with_it = build({**required, **others, name: value})
            if without is not None and with_it is not None:
                headers = changed(without, with_it)
        # Numbered headers (``UpdateConfig``'s ``Action-000000``...) shown once, as a pattern.
        patterns = [re.sub(r"\d", "N", header) for header in headers]
        found[name] = sorted(set(patterns), key=patterns.index)
    return found


def _action_rows(cls: Any) -> tuple[list[list[str]], str | None]:
    """The parameter table of an action, and a note for parameters that are not headers."""
    markers = {"csv": "a sequence is joined with commas", "indexed": "sent as Name(0), Name(1)..."}
    if cls.header_fields:
        rows = []
        for field in cls.header_fields:
            note = "; ".join(markers.get(m, m) for m in field.markers)
            rows.append(
                [
                    f"``{field.name}``",
                    f"``{field.header}``",
                    "required" if field.required else "optional",
                    "" if field.required else _literal(field.default),
                    note,
                ]
            )
        return rows, None
    signature = inspect.signature(cls)
    probed = _probe_headers(cls)
    rows = []
    note = None
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            note = f"``**{parameter.name}``: any further headers, by name."
            continue
        if parameter.kind is parameter.VAR_POSITIONAL:
            continue
        headers = probed.get(parameter.name)
        header_text = ", ".join(f"``{h}``" for h in headers) if headers else "(see the description)"
        required = parameter.default is parameter.empty
        rows.append(
            [
                f"``{parameter.name}``",
                header_text,
                "required" if required else "optional",
                "" if required else _literal(parameter.default),
                "",
            ]
        )
    return rows, note


def _event_groups(cls: type) -> list[tuple[str, list[str]]]:
    """The typed headers of an event class (inherited ones included), by kind."""
    groups = []
    for kind, attribute in (
        ("int", "int_headers"),
        ("float", "float_headers"),
        ("bool", "bool_headers"),
        ("datetime", "time_headers"),
        ("duration (seconds)", "duration_headers"),
    ):
        headers: list[str] = []
        for klass in reversed(cls.__mro__):
            for header in klass.__dict__.get(attribute, ()):
                if header.lower() not in (h.lower() for h in headers):
                    headers.append(header)
        if headers:
            groups.append((kind, headers))
    return groups


def _catalog() -> Any:
    from pystrix.ami import catalog

    return catalog


def _by_module(classes: dict[str, type], modules: tuple[str, ...]) -> Iterator[tuple[str, list]]:
    for module in modules:
        entries = [(name, cls) for name, cls in classes.items() if cls.__module__ == module]
        if entries:
            yield module, entries


def _entry_fields(fields: list[tuple[str, str]]) -> list[str]:
    return [f":{key}: {value}" for key, value in fields] + [""]


def ami_action_lines() -> list[str]:
    """The entries of every catalogued AMI action: an index, then one section each,
    grouped by module, labelled ``ami-action-<name>``."""
    catalog = _catalog()
    actions = catalog.actions()
    modules = tuple(module.__name__ for module in catalog.ACTION_MODULES)
    rows = []
    for name, cls in actions.items():
        _, since = _summary(cls)
        rows.append(
            [
                f":ref:`{name} <{_anchor('ami-action', name)}>`",
                f"``{cls.__module__.rsplit('.', 1)[1]}``",
                since or "",
                "event list" if cls.list_complete else "",
            ]
        )
    lines = _title("Index", "-")
    lines += [f"{len(actions)} actions, {len(catalog.list_actions())} of them list actions.", ""]
    lines += _table(["Action", "Module", "Since Asterisk", "Answers with"], rows, "40 25 20 15")
    for module, entries in _by_module(actions, modules):
        lines += _title(module, "-")
        lines += [f".. currentmodule:: {module}", ""]
        for name, cls in entries:
            lines += _action_entry(catalog, name, cls)
    return lines


def _action_entry(catalog: Any, name: str, cls: Any) -> list[str]:
    doc, since = _summary(cls)
    lines = [f".. _{_anchor('ami-action', name)}:", "", *_title(name, "~")]
    fields = [
        ("Class", f":class:`{cls.__module__}.{cls.__qualname__}`"),
        ("Since", _since_text(since)),
    ]
    if cls.list_complete is not None:
        items = ", ".join(f":ref:`{e} <{_anchor('ami-event', e)}>`" for e in cls.list_events)
        complete = f":ref:`{cls.list_complete} <{_anchor('ami-event', cls.list_complete)}>`"
        fields.append(("Event list", f"{items or '(items)'}, then {complete}"))
        aggregate = catalog.aggregate_class(name)
        if aggregate is not None:
            label = _anchor("ami-event", aggregate.event_name)
            fields.append(("Aggregate", f":ref:`{aggregate.event_name} <{label}>`"))
        if cls.empty_list_error:
            error = _literal(cls.empty_list_error)
            fields.append(("Empty list", f"answered with ``Error``: {error}"))
    lines += _entry_fields(fields)
    lines += [*doc.splitlines(), ""]
    rows, note = _action_rows(cls)
    if rows:
        lines += _table(["Parameter", "Header", "Required", "Default", "Notes"], rows)
    else:
        lines += ["No parameters.", ""]
    if note:
        lines += [note, ""]
    return lines


def ami_event_lines() -> list[str]:
    """The entries of every AMI event class (the aggregates included): an index, then one
    section each, grouped by module, labelled ``ami-event-<name>``."""
    catalog = _catalog()
    events = catalog.events()
    modules = (*(module.__name__ for module in catalog.EVENT_MODULES), catalog.__name__)
    in_lists: dict[str, list[str]] = {}
    for action_name, action in catalog.list_actions().items():
        for event in (*action.list_events, action.list_complete):
            in_lists.setdefault(event.lower(), []).append(action_name)
    rows = []
    for name, cls in events.items():
        _, since = _summary(cls)
        rows.append(
            [
                f":ref:`{name} <{_anchor('ami-event', name)}>`",
                f"``{cls.__module__.rsplit('.', 1)[1]}``",
                since or "",
            ]
        )
    from pystrix.ami.message import COMMON_HEADER_KINDS

    common = ", ".join(f"``{header}`` ({kind})" for header, kind in COMMON_HEADER_KINDS.items())
    lines = [
        "Besides the headers listed for each class, ``typed()`` converts these wherever "
        f"they appear (in any case): {common}.",
        "",
    ]
    lines += _title("Index", "-")
    lines += [f"{len(events)} event classes.", ""]
    lines += _table(["Event", "Module", "Since Asterisk"], rows, "50 30 20")
    for module, entries in _by_module(events, modules):
        if module == catalog.__name__:
            lines += _title("Generated aggregates", "-")
            lines += [
                ":mod:`pystrix.ami.catalog` makes the ``<Action>_Aggregate`` class of every "
                "list action that has no hand-written one.",
                "",
            ]
        else:
            lines += _title(module, "-")
        lines += [f".. currentmodule:: {module}", ""]
        for name, cls in entries:
            lines += _event_entry(catalog, name, cls, in_lists)
    return lines


def _event_entry(catalog: Any, name: str, cls: Any, in_lists: dict[str, list[str]]) -> list[str]:
    from pystrix.ami.events import Aggregate

    doc, since = _summary(cls)
    lines = [f".. _{_anchor('ami-event', name)}:", "", *_title(name, "~")]
    aggregate = issubclass(cls, Aggregate) and name.endswith("_Aggregate")
    fields = [
        ("Class", f":class:`{cls.__module__}.{cls.__qualname__}`"),
        ("Since", "made by pystrix, not sent by Asterisk" if aggregate else _since_text(since)),
    ]
    if aggregate:
        action = catalog.action_class(name[: -len("_Aggregate")])
        if action is not None:
            label = _anchor("ami-action", action.action_name)
            link = f":ref:`{action.action_name} <{label}>`"
            fields.append(("Aggregates", f"the event list of {link}"))
            members = ", ".join(f"``{e}``" for e in action.list_events) or "every item"
            fields.append(("Members", f"{members}, ended by ``{action.list_complete}``"))
    lists = in_lists.get(name.lower())
    if lists:
        links = ", ".join(f":ref:`{a} <{_anchor('ami-action', a)}>`" for a in lists)
        fields.append(("In the list of", links))
    lines += _entry_fields(fields)
    lines += [*doc.splitlines(), ""]
    groups = _event_groups(cls)
    if groups:
        rows = [[kind, ", ".join(f"``{h}``" for h in headers)] for kind, headers in groups]
        lines += _table(["typed() gives", "Headers"], rows, "25 75")
    else:
        lines += ["No typed headers: every header is the string received.", ""]
    return lines


class _Generated(SphinxDirective):
    """A directive whose content is generated reStructuredText (``lines``), rebuilt when
    the modules it reads (``sources``) change."""

    lines: Callable[[], list[str]]
    sources: tuple[str, ...] = ()

    def run(self) -> list[nodes.Node]:
        for module in self.sources:
            self.env.note_dependency(inspect.getfile(importlib.import_module(module)))
        return _parse(self, type(self).lines())


_ACTION_SOURCES = tuple(
    f"pystrix.ami.{name}" for name in ("core", "pjsip", "app_confbridge", "app_meetme", "dahdi")
)
_EVENT_SOURCES = (*(f"{name}_events" for name in _ACTION_SOURCES), "pystrix.ami.catalog")


class AmiActions(_Generated):
    """``.. pystrix-ami-actions::``: every catalogued action."""

    lines = staticmethod(ami_action_lines)
    sources = (*_ACTION_SOURCES, "pystrix.ami.action")


class AmiEvents(_Generated):
    """``.. pystrix-ami-events::``: every event class, the aggregates included."""

    lines = staticmethod(ami_event_lines)
    sources = (*_EVENT_SOURCES, "pystrix.ami.events")


# -- the AGI commands --------------------------------------------------------------------


def _agi_synopsis(words: str, cls: type) -> str:
    """The command line with each parameter where it lands (``GET VARIABLE <variable>``),
    found by building the command with a distinctive value per parameter: a word where
    the class takes one, else a number (``SAY DATE``'s seconds)."""
    signature = inspect.signature(cls)
    parameters = [
        p for p in signature.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    words_probe = {p.name: f"PROBE{p.name.upper()}PROBE" for p in parameters}
    numbers_probe = {p.name: str(7_310_001 + i) for i, p in enumerate(parameters)}

    def build(arguments: dict[str, object]) -> str | None:
        try:
            return str(cls(**arguments).command)
        except Exception:  # that value does not suit the class
            return None

    chosen: dict[str, object] = {}
    for index, parameter in enumerate(parameters):
        following = parameters[index + 1 :]
        later = {p.name: words_probe[p.name] for p in following if p.default is p.empty}
        for candidate in (words_probe[parameter.name], int(numbers_probe[parameter.name])):
            if build({**chosen, parameter.name: candidate, **later}) is not None:
                chosen[parameter.name] = candidate
                break
        else:
            if parameter.default is parameter.empty:
                return words.upper()
    line = build(chosen)
    if line is None:
        return words.upper()
    for name, number in numbers_probe.items():
        line = re.sub(rf"\b{number}\b", f"<{name}>", line)
    return re.sub(r"PROBE([A-Z_]+)PROBE", lambda m: f"<{m.group(1).lower()}>", line)


def agi_command_lines() -> list[str]:
    """The entries of every AGI command class of ``pystrix.agi.core.COMMANDS``: an index,
    then one section each, labelled ``agi-command-<words>``."""
    from pystrix.agi import core

    rows = [
        [
            f":ref:`{words.upper()} <{_anchor('agi-command', words)}>`",
            f":class:`~pystrix.agi.core.{cls.__name__}`",
            f"``{_result_annotation(cls)}``",
        ]
        for words, cls in core.COMMANDS.items()
    ]
    lines = _title("Index", "-")
    lines += [f"{len(core.COMMANDS)} commands.", ""]
    lines += _table(["Command", "Class", "execute() returns"], rows, "35 30 35")
    lines += _title("Commands", "-")
    lines += [".. currentmodule:: pystrix.agi.core", ""]
    for words, cls in core.COMMANDS.items():
        lines += _agi_entry(words, cls)
    return lines


def _agi_entry(words: str, cls: type) -> list[str]:
    doc = inspect.getdoc(cls) or ""
    lines = [f".. _{_anchor('agi-command', words)}:", "", *_title(words.upper(), "~")]
    lines += _entry_fields(
        [
            ("Class", f":class:`pystrix.agi.core.{cls.__name__}`"),
            ("Sends", f"``{_agi_synopsis(words, cls)}``"),
            ("Returns", f"``{_result_annotation(cls)}``"),
        ]
    )
    lines += [*doc.splitlines(), ""]
    rows = []
    for parameter in inspect.signature(cls).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        required = parameter.default is parameter.empty
        annotation = parameter.annotation
        rows.append(
            [
                f"``{parameter.name}``",
                "" if annotation is parameter.empty else f"``{annotation}``",
                "required" if required else "optional",
                "" if required else _literal(parameter.default),
                "keyword only" if parameter.kind is parameter.KEYWORD_ONLY else "",
            ]
        )
    if rows:
        lines += _table(["Parameter", "Type", "Required", "Default", "Notes"], rows)
    else:
        lines += ["No parameters.", ""]
    return lines


class AgiCommands(_Generated):
    """``.. pystrix-agi-commands::``: every AGI command of ``pystrix.agi.core``."""

    lines = staticmethod(agi_command_lines)
    sources = ("pystrix.agi.core", "pystrix.agi.protocol")


def _result_annotation(cls: type) -> str:
    annotation = inspect.signature(cls.process_response).return_annotation  # type: ignore[attr-defined]
    if annotation is inspect.Signature.empty:
        return "Reply"
    if isinstance(annotation, str):
        return annotation
    return str(getattr(annotation, "__name__", annotation))


# -- the CLI -----------------------------------------------------------------------------


@contextlib.contextmanager
def _plain_terminal(columns: int = 88) -> Iterator[None]:
    """Format help as on an 88-column terminal without colours, and without the
    ``PYSTRIX_*`` variables of whoever builds the documentation (they set defaults)."""
    names = ("COLUMNS", "NO_COLOR", "PYTHON_COLORS", "FORCE_COLOR")
    names += tuple(key for key in os.environ if key.startswith("PYSTRIX_"))
    saved = {key: os.environ.get(key) for key in names}
    for key in names:
        os.environ.pop(key, None)
    os.environ.update(COLUMNS=str(columns), NO_COLOR="1", PYTHON_COLORS="0")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:  # argparse has no public way to list subparsers
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if all(sub is not other for _, other in found):
                    found.append((name, sub))
    return found


def cli_help() -> list[tuple[str, str]]:
    """``(command, help text)`` for ``pystrix`` and each of its subcommands, as
    ``--help`` prints them on an 88-column terminal."""
    from pystrix import cli

    # ``build_parser`` (``_build_parser`` before it was made public).
    build: Callable[[], argparse.ArgumentParser] = (
        getattr(cli, "build_parser", None) or cli._build_parser
    )
    with _plain_terminal():
        parser = build()
        found = [("pystrix", parser.format_help())]
        found += [(f"pystrix {name}", sub.format_help()) for name, sub in _subcommands(parser)]
    return found


class CliReference(SphinxDirective):
    """``.. pystrix-cli::``: ``pystrix --help`` and each subcommand's ``--help``, one
    section each (labelled ``cli-pystrix-<command>``)."""

    def run(self) -> list[nodes.Node]:
        from pystrix import cli

        self.env.note_dependency(inspect.getfile(cli))
        result: list[nodes.Node] = []
        for title, text in cli_help():
            section_id = _anchor("cli", title)
            section = nodes.section(ids=[section_id], names=[section_id])
            section += nodes.title(title, title)
            block = nodes.literal_block(text, text)
            block["language"] = "text"
            section += block
            self.state.document.note_implicit_target(section, section)
            result.append(section)
        return result


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("pystrix-api", ApiModule)
    app.add_directive("pystrix-ami-actions", AmiActions)
    app.add_directive("pystrix-ami-events", AmiEvents)
    app.add_directive("pystrix-agi-commands", AgiCommands)
    app.add_directive("pystrix-cli", CliReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
