"""What importing pystrix loads, and that every exported name is still there.

The packages import their parts on first use (PEP 562 ``__getattr__``), and action classes
read their annotations on first use, so that ``import pystrix`` or the protocol core alone
stays cheap.  Each check runs in a fresh interpreter: this process has long since
imported everything.  Nothing here is timed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

PACKAGES = ("pystrix", "pystrix.ami", "pystrix.agi", "pystrix.testing", "pystrix.fleet")
CATALOG_MODULES = (
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
)


def _run(code: str) -> object:
    """Run ``code`` in a fresh interpreter; it prints one JSON value, returned here."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _loaded_after(statement: str) -> set[str]:
    found = _run(
        f"""
        import json, sys
        {statement}
        print(json.dumps(sorted(name for name in sys.modules if name.startswith("pystrix"))))
        """
    )
    assert isinstance(found, list)
    return set(found)


def test_the_protocol_core_alone_does_not_load_the_catalog_or_the_manager() -> None:
    loaded = _loaded_after("import pystrix.ami.protocol")
    assert "pystrix.ami.protocol" in loaded
    assert loaded.isdisjoint(CATALOG_MODULES), loaded & set(CATALOG_MODULES)
    assert "pystrix.ami.manager" not in loaded
    assert "pystrix.ami._frontend" not in loaded
    assert not any(name.startswith("pystrix.agi") for name in loaded)


def test_import_pystrix_loads_nothing_else() -> None:
    # pystrix._lazy: the packages' shared PEP 562 loader, a few lines of pure Python.
    assert _loaded_after("import pystrix") == {"pystrix", "pystrix._lazy"}


def test_import_pystrix_ami_loads_nothing_else() -> None:
    assert _loaded_after("import pystrix.ami") == {"pystrix", "pystrix._lazy", "pystrix.ami"}


def test_the_action_modules_do_not_load_the_manager_or_the_events() -> None:
    loaded = _loaded_after("import pystrix.ami.core")
    assert "pystrix.ami.manager" not in loaded
    assert "pystrix.ami.core_events" not in loaded
    assert "pystrix.ami.catalog" not in loaded


def test_every_exported_name_resolves_and_dir_lists_it() -> None:
    problems = _run(
        f"""
        import importlib, json
        problems = []
        for package in {PACKAGES!r}:
            module = importlib.import_module(package)
            listed = dir(module)
            for name in module.__all__:
                try:
                    getattr(module, name)
                except AttributeError as error:
                    problems.append(f"{{package}}.{{name}}: {{error}}")
                if name not in listed:
                    problems.append(f"{{package}}.{{name}} not in dir()")
        print(json.dumps(problems))
        """
    )
    assert problems == []


@pytest.mark.parametrize("package", PACKAGES)
def test_star_import_gives_every_exported_name(package: str) -> None:
    missing = _run(
        f"""
        import importlib, json
        namespace = {{}}
        exec("from {package} import *", namespace)
        module = importlib.import_module("{package}")
        print(json.dumps([name for name in module.__all__ if name not in namespace]))
        """
    )
    assert missing == []


def test_pystrix_1x_attribute_paths_work_after_import_pystrix() -> None:
    found = _run(
        """
        import json
        import pystrix
        paths = {
            "ami.core.Login": pystrix.ami.core.Login,
            "ami.core.ManagerAuthError": pystrix.ami.core.ManagerAuthError,
            "ami.core_events.FullyBooted": pystrix.ami.core_events.FullyBooted,
            "ami.Manager": pystrix.ami.Manager,
            "ami.manager.Manager": pystrix.ami.manager.Manager,
            "ami.protocol.MessageParser": pystrix.ami.protocol.MessageParser,
            "ami.ami._Request": pystrix.ami.ami._Request,
            "agi.core.Answer": pystrix.agi.core.Answer,
            "agi.agi.AGI": pystrix.agi.agi.AGI,
            "agi.agi_core._Action": pystrix.agi.agi_core._Action,
            "agi.fastagi.FastAGIServer": pystrix.agi.fastagi.FastAGIServer,
            "agi.FastAGIServer": pystrix.agi.FastAGIServer,
        }
        print(json.dumps({path: f"{value.__module__}.{value.__qualname__}"
                          for path, value in paths.items()}))
        """
    )
    assert found == {
        "ami.core.Login": "pystrix.ami.core.Login",
        "ami.core.ManagerAuthError": "pystrix.ami.errors.ManagerAuthError",
        "ami.core_events.FullyBooted": "pystrix.ami.core_events.FullyBooted",
        "ami.Manager": "pystrix.ami.manager.Manager",
        "ami.manager.Manager": "pystrix.ami.manager.Manager",
        "ami.protocol.MessageParser": "pystrix.ami.protocol.MessageParser",
        "ami.ami._Request": "pystrix.ami.request.Request",
        "agi.core.Answer": "pystrix.agi.core.Answer",
        "agi.agi.AGI": "pystrix.agi.agi.AGI",
        "agi.agi_core._Action": "pystrix.agi.protocol.Action",
        "agi.fastagi.FastAGIServer": "pystrix.agi.fastagi.FastAGIServer",
        "agi.FastAGIServer": "pystrix.agi.fastagi.FastAGIServer",
    }


def test_unknown_attributes_still_raise_attribute_error() -> None:
    found = _run(
        """
        import json
        import pystrix, pystrix.agi, pystrix.ami, pystrix.testing, pystrix.fleet
        raised = []
        for module in (pystrix, pystrix.ami, pystrix.agi, pystrix.testing, pystrix.fleet):
            try:
                module.no_such_name
            except AttributeError:
                raised.append(module.__name__)
        print(json.dumps(raised))
        """
    )
    assert found == list(PACKAGES)


def test_manager_auth_error_is_one_class_under_every_name() -> None:
    from pystrix import ami
    from pystrix.ami import core, errors

    assert core.ManagerAuthError is errors.ManagerAuthError is ami.ManagerAuthError
    assert issubclass(errors.ManagerAuthError, errors.ManagerError)
    assert str(errors.ManagerAuthError("Authentication failed")) == "Authentication failed"


def test_testing_simulator_is_the_function_however_it_was_imported() -> None:
    found = _run(
        """
        import json
        import pystrix.testing.simulator
        import pystrix.testing
        from pystrix.testing import simulator
        print(json.dumps([callable(pystrix.testing.simulator), simulator.__name__,
                          type(simulator).__name__]))
        """
    )
    assert found == [True, "simulator", "function"]


def test_action_annotations_are_read_on_first_use() -> None:
    found = _run(
        """
        import inspect, json, typing
        calls = []
        real = typing.get_type_hints
        def counting(*args, **kwargs):
            calls.append(1)
            return real(*args, **kwargs)
        typing.get_type_hints = counting
        from pystrix.ami import core
        at_import = len(calls)
        action = core.Originate("SIP/100", exten="100", context="default", priority=1)
        after = len(calls)
        core.Originate("SIP/101")
        again = len(calls)
        print(json.dumps({
            "at_import": at_import,
            "first_use": after - at_import,
            "second_use": again - after,
            "headers": dict(action),
            "signature": str(inspect.signature(core.Originate)).split(",")[0],
            "field": repr(core.Originate.channel),
        }))
        """
    )
    assert isinstance(found, dict)
    assert found["at_import"] == 0
    assert found["first_use"] == 1
    assert found["second_use"] == 0
    assert found["headers"] == {
        "Action": "Originate",
        "Channel": "SIP/100",
        "Exten": "100",
        "Context": "default",
        "Priority": 1,
    }
    assert found["signature"] == "(channel"
    assert found["field"] == "<HeaderField channel -> Channel (required)>"


def test_the_protocol_core_alone_still_builds_typed_events() -> None:
    found = _run(
        """
        import json
        from pystrix.ami import protocol
        event = protocol.build_event("Event: FullyBooted\\r\\nStatus: Fully Booted")
        print(json.dumps(f"{type(event).__module__}.{type(event).__qualname__}"))
        """
    )
    assert found == "pystrix.ami.core_events.FullyBooted"


def test_a_program_class_defined_before_the_catalog_loads_keeps_its_precedence() -> None:
    found = _run(
        """
        import json
        from typing import Annotated
        from pystrix.ami.action import Action, action_class_for
        from pystrix.ami.events import Event, event_class_for

        class FullyBooted(Event):
            pass

        class Originate(Action):
            channel: Annotated[str, "Channel"]

        print(json.dumps([
            event_class_for("FullyBooted").__module__,  # a program's event wins, as before
            action_class_for("Originate").__module__,  # the catalog's action wins, as before
            event_class_for("Hangup").__module__,
            event_class_for("BridgeList_Aggregate").__module__,
        ]))
        """
    )
    assert found == [
        "__main__",
        "pystrix.ami.core",
        "pystrix.ami.core_events",
        "pystrix.ami.catalog",
    ]


def test_the_1x_event_registry_holds_the_catalog_in_a_fresh_interpreter() -> None:
    found = _run(
        """
        import json
        from pystrix.ami.ami import _EVENT_REGISTRY
        print(json.dumps([_EVENT_REGISTRY["FullyBooted"].__module__, len(_EVENT_REGISTRY) > 200]))
        """
    )
    assert found == ["pystrix.ami.core_events", True]
