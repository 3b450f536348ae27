"""Shared pieces of the benchmarks: the real event mix of transcript 23, a load server."""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

BANNER = b"Asterisk Call Manager/11.0.0\r\n"

_TRANSCRIPTS = Path(
    os.environ.get(
        "PYSTRIX_TRANSCRIPTS",
        Path(__file__).resolve().parents[1] / "tests" / "data" / "transcripts",
    )
)


def busy_stream_events() -> list[bytes]:
    """Every event of transcript 23 (a busy Asterisk), each as its exact bytes."""
    path = _TRANSCRIPTS / "23-busy-event-stream.jsonl"
    text = "".join(
        record["data"]
        for record in map(json.loads, path.read_text().splitlines())
        if record["dir"] == "recv" and not record.get("eof")
    )
    _, _, body = text.partition("\r\n")  # drop the banner
    blocks = [block for block in body.split("\r\n\r\n") if block.startswith("Event:")]
    return [(block + "\r\n\r\n").encode() for block in blocks]


def synthetic_event() -> bytes:
    """A typical 16-header channel event (Newstate)."""
    return (
        b"Event: Newstate\r\nPrivilege: call,all\r\nChannel: PJSIP/6001-00000001\r\n"
        b"ChannelState: 6\r\nChannelStateDesc: Up\r\nCallerIDNum: 6001\r\n"
        b"CallerIDName: Test One\r\nConnectedLineNum: 6002\r\nConnectedLineName: Test Two\r\n"
        b"Language: en\r\nAccountCode: \r\nContext: test\r\nExten: 100\r\nPriority: 1\r\n"
        b"Uniqueid: 1795754752.0\r\nLinkedid: 1795754752.0\r\n\r\n"
    )


class BlastServer:
    """Answers any action with Success, then writes ``payload`` once on request.

    The client sends ``Action: Blast`` to start the flood, so timing starts after login.
    """

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        from pystrix.ami.protocol import MessageParser

        conn, _ = self.listener.accept()
        conn.sendall(BANNER)
        parser = MessageParser()
        while data := conn.recv(65536):
            for message in parser.feed(data):
                action_id = message.get("ActionID", "")
                conn.sendall(f"Response: Success\r\nActionID: {action_id}\r\n\r\n".encode())
                if message.get("Action") == "Blast":
                    conn.sendall(self.payload)
        conn.close()

    def close(self) -> None:
        self.listener.close()
