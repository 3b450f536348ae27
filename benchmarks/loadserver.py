"""An AMI load server that is never the bottleneck: every answer is pre-encoded bytes.

Run as a child process by ``run.py`` and ``bench_fleet.py`` (``python loadserver.py
[--port N]`` prints ``port N`` and serves until killed).  Per connection it sends the
banner and answers, in order:

* ``Login``, ``Ping`` and anything else: ``Response: Success`` with the ActionID (Ping
  adds ``Ping: Pong`` and a Timestamp, as Asterisk does);
* ``Blast`` with ``Count: N``: the Success response, then N copies of a realistic
  15-header ``Newchannel`` event, written in large chunks.  Actions after a Blast are
  answered after its last event, so a Ping sent next answers once every event was read.
"""

from __future__ import annotations

import socket
import sys
import threading

BANNER = b"Asterisk Call Manager/11.0.0\r\n"

EVENT = (
    b"Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/6001-0000002a\r\n"
    b"ChannelState: 0\r\nChannelStateDesc: Down\r\nCallerIDNum: 6001\r\n"
    b"CallerIDName: Test One\r\nConnectedLineNum: <unknown>\r\n"
    b"ConnectedLineName: <unknown>\r\nLanguage: en\r\nAccountCode: \r\nContext: test\r\n"
    b"Exten: 100\r\nPriority: 1\r\nUniqueid: 1795754752.42\r\nLinkedid: 1795754752.42\r\n\r\n"
)
_CHUNK_EVENTS = 1000
_CHUNK = EVENT * _CHUNK_EVENTS


def _reply(headers: dict[bytes, bytes]) -> bytes:
    action_id = headers.get(b"actionid", b"")
    action = headers.get(b"action", b"").lower()
    if action == b"ping":
        return (
            b"Response: Success\r\nActionID: " + action_id + b"\r\nPing: Pong\r\n"
            b"Timestamp: 1795754748.053745\r\n\r\n"
        )
    return b"Response: Success\r\nActionID: " + action_id + b"\r\n\r\n"


def _blast(conn: socket.socket, count: int) -> None:
    whole, rest = divmod(count, _CHUNK_EVENTS)
    for _ in range(whole):
        conn.sendall(_CHUNK)
    if rest:
        conn.sendall(EVENT * rest)


def _serve(conn: socket.socket) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(BANNER)
    buffer = b""
    try:
        while data := conn.recv(65536):
            buffer += data
            replies: list[bytes] = []
            while b"\r\n\r\n" in buffer:
                block, buffer = buffer.split(b"\r\n\r\n", 1)
                headers = {}
                for line in block.split(b"\r\n"):
                    key, _, value = line.partition(b": ")
                    headers[key.lower()] = value
                replies.append(_reply(headers))
                if headers.get(b"action", b"").lower() == b"blast":
                    conn.sendall(b"".join(replies))
                    replies = []
                    _blast(conn, int(headers.get(b"count", b"0")))
            if replies:
                conn.sendall(b"".join(replies))
    except OSError:
        pass
    finally:
        conn.close()


def main() -> None:
    """Listen on a free loopback port (or ``--port N``: a restarted server takes its
    predecessor's port), print it, serve each connection on a thread."""
    port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
    listener = socket.create_server(("127.0.0.1", port), backlog=1024)
    print(f"port {listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
