"""The seed example of pystrix's AMI API, in Python 3 form.

Usage: ``python examples/ami_core.py [HOST [PORT]]`` (default 127.0.0.1 5038), against a
real Asterisk or ``python -m pystrix sim``.  The only changes from the original are
``print`` as a function and the host and port taken from the command line.  It runs until
Asterisk sends ``Shutdown``.
"""

import re
import sys
import time

import pystrix

# Just a few constants for logging in. Putting them directly into code is usually a bad idea.
_HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
_PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 5038
_USERNAME = "admin"
_PASSWORD = "wordpass"


class AMICore:
    """
    The class that will be used to hold the logic for this AMI session. You could also just work
    with the `Manager` object directly, but this is probably a better approach for most
    general-purpose applications.
    """

    _manager = None  # The AMI conduit for communicating with the local Asterisk server
    _kill_flag = False  # True when the core has shut down of its own accord

    def __init__(self):
        self._manager = pystrix.ami.Manager()

        # Before connecting to Asterisk, callback handlers should be registered to avoid missing
        # any events.
        self._register_callbacks()

        try:
            # Attempt to connect to Asterisk
            self._manager.connect(_HOST, _PORT)

            # Ask for a challenge token so that the password is not sent in plain text.
            challenge_response = self._manager.send_action(pystrix.ami.core.Challenge())
            if challenge_response and challenge_response.success:
                action = pystrix.ami.core.Login(
                    _USERNAME, _PASSWORD, challenge=challenge_response.result["Challenge"]
                )
                self._manager.send_action(action)
            else:
                self._kill_flag = True
                raise ConnectionError(
                    "Asterisk did not provide an MD5 challenge token"
                    + (challenge_response is None and ": timed out" or "")
                )
        except pystrix.ami.ManagerSocketError as e:
            self._kill_flag = True
            raise ConnectionError(
                "Unable to connect to Asterisk server: %(error)s" % {"error": str(e)}
            )
        except pystrix.ami.core.ManagerAuthError as reason:
            self._kill_flag = True
            raise ConnectionError(
                "Unable to authenticate to Asterisk server: %(reason)s" % {"reason": reason}
            )
        except pystrix.ami.ManagerError as reason:
            self._kill_flag = True
            raise ConnectionError(
                "An unexpected Asterisk error occurred: %(reason)s" % {"reason": reason}
            )

        # Start a thread to make is_connected() fail if Asterisk dies.
        self._manager.monitor_connection()

    def _register_callbacks(self):
        # The same event registered three ways: string, regular expression and class.
        self._manager.register_callback("FullyBooted", self._handle_string_event)
        self._manager.register_callback(re.compile(r"Fully\w+"), self._handle_regex_event)
        self._manager.register_callback(
            pystrix.ami.core_events.FullyBooted, self._handle_class_event
        )
        # Every event, and responses that nobody waited for.
        self._manager.register_callback("", self._handle_event)
        self._manager.register_callback(None, self._handle_event)
        # Asterisk's Shutdown signal.
        self._manager.register_callback("Shutdown", self._handle_shutdown)

    def _handle_shutdown(self, event, manager):
        self._kill_flag = True

    def _handle_event(self, event, manager):
        print("Recieved event: %s" % event.name)

    def _handle_string_event(self, event, manager):
        print("Recieved string event: %s" % event.name)

    def _handle_class_event(self, event, manager):
        print("Recieved class event: %s" % event.name)

    def _handle_regex_event(self, event, manager):
        print("Recieved regex event: %s" % event.name)

    def is_alive(self):
        return not self._kill_flag

    def kill(self):
        self._manager.close()


class Error(Exception):
    """
    The base class from which all exceptions native to this module inherit.
    """


class ConnectionError(Error):
    """
    Indicates that a problem occurred while connecting to the Asterisk server
    or that the connection was severed unexpectedly.
    """


if __name__ == "__main__":
    ami_core = AMICore()

    while ami_core.is_alive():
        time.sleep(1)
    ami_core.kill()
