"""What every AGI session front-end shows of its core: the environment and the hang-up.

The blocking sessions (stdin ``AGI``, threaded ``FastAGI``) and the asyncio ``FastAGI``
differ only in how they move bytes; what they report is the core's state, read here.
"""

from __future__ import annotations

from .errors import AGIProtocolError
from .protocol import AGIProtocol, Environment

__all__ = ["SessionState"]


class SessionState:
    """The read-only state of an AGI session, from its :class:`AGIProtocol`."""

    _protocol: AGIProtocol

    def get_environment(self) -> dict[str, str]:
        """The ``agi_*`` variables Asterisk sent (full names, ``agi_arg_N`` included)."""
        return dict(self.environment.variables)

    @property
    def environment(self) -> Environment:
        """The parsed environment (``.args``, ``.path``, ``.query``, ``.channel``).

        :class:`AGIProtocolError` before it has been read.
        """
        environment = self._protocol.environment
        if environment is None:
            raise AGIProtocolError("the environment has not been read yet")
        return environment

    @property
    def hungup(self) -> bool:
        """True once Asterisk has said ``HANGUP`` (only dead-channel commands work now)."""
        return self._protocol.hangup_received
