"""pystrix 1.x's helpers for converting response and event values in place.

A program's own ``process_response`` may call these on the response (a ``dict``), as the
1.x actions did::

    def process_response(self, response):
        generic_transforms.to_int(response, ("NewMessages", "OldMessages"), -1)
        return response

New code can use :meth:`~pystrix.ami.message.Message.typed` and ``get_int`` instead, which
leave the message as received.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

__all__ = ["add_result", "bytes_to_string", "string_to_bytes", "to_bool", "to_float", "to_int"]


#: 1.x's name for the text type (``unicode`` on Python 2).
string_type = str


def _unchanged(value: Any) -> Any:
    return value


def to_bool(
    dictionary: MutableMapping[str, Any],
    keys: Iterable[str],
    truth_value: Any = None,
    truth_function: Callable[[Any], Any] = bool,
    preprocess: Callable[[Any], Any] = _unchanged,
) -> None:
    """Replace each of ``keys`` with a ``bool``; a missing key is set to ``False``.

    With ``truth_value``, a value is true when it equals it (``truth_value='Y'``);
    otherwise ``truth_function(preprocess(value))`` decides (by default, any non-empty
    value is true).
    """
    for key in keys:
        if key not in dictionary:
            dictionary[key] = False
            continue
        value = dictionary[key]
        if truth_value is not None:
            dictionary[key] = value == truth_value
        else:
            dictionary[key] = bool(truth_function(preprocess(value)))


def _to_number(
    kind: Callable[[Any], Any],
    dictionary: MutableMapping[str, Any],
    keys: Iterable[str],
    failure_value: Any,
    preprocess: Callable[[Any], Any],
) -> None:
    for key in keys:
        try:
            dictionary[key] = kind(preprocess(dictionary[key]))
        except (KeyError, TypeError, ValueError):
            dictionary[key] = failure_value


def to_int(
    dictionary: MutableMapping[str, Any],
    keys: Iterable[str],
    failure_value: Any,
    preprocess: Callable[[Any], Any] = _unchanged,
) -> None:
    """Replace each of ``keys`` with ``int(preprocess(value))``, or ``failure_value`` when
    it is missing or not a whole number (``'12 kbps'`` needs a ``preprocess``)."""
    _to_number(int, dictionary, keys, failure_value, preprocess)


def to_float(
    dictionary: MutableMapping[str, Any],
    keys: Iterable[str],
    failure_value: Any,
    preprocess: Callable[[Any], Any] = _unchanged,
) -> None:
    """Replace each of ``keys`` with ``float(preprocess(value))``, or ``failure_value``
    when it is missing or not a number."""
    _to_number(float, dictionary, keys, failure_value, preprocess)


def add_result(
    dictionary: MutableMapping[str, Any], key: str, result_map: Mapping[Any, Any]
) -> None:
    """Set ``dictionary['Result']`` to ``result_map[dictionary[key]]`` when that value is
    mapped (``core.ORIGINATE_RESULT_MAP`` for an ``OriginateResponse``'s ``Reason``
    converted to ``int`` first); otherwise leave the dictionary as it is."""
    value = dictionary.get(key)
    try:
        mapped = value in result_map
    except TypeError:  # an unhashable value is in no map
        return
    if mapped:
        dictionary["Result"] = result_map[value]


def string_to_bytes(value: str | bytes, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``value`` encoded, unless it already is ``bytes``."""
    return value if isinstance(value, bytes) else value.encode(encoding, errors)


def bytes_to_string(value: str | bytes, encoding: str = "utf-8", errors: str = "strict") -> str:
    """``value`` decoded, unless it already is a ``str``."""
    return value if isinstance(value, str) else value.decode(encoding, errors)
