"""pystrix 1.x's converted values and message behaviour, over real sockets.

Each behaviour runs against both Managers (``managers.FLAVORS``): the result conversions
of ``MailboxCount``, ``MailboxStatus``, ``Ping`` (``RTT``), ``SIPshowpeer`` and
``GetConfig`` (``get_lines()``); ``ChanVariable(<channel>)`` headers kept per channel; an
event that compares equal to its name.  The simulator answers the mailbox and voicemail
actions as the recorded Asterisk 22 did (transcript 25, replayed here); where only a
scripted peer can send what a test needs (chan_sip's ``SIPshowpeer``, a count that is not
a number), ``scripted_server`` plays the server.
"""

from __future__ import annotations

from typing import Any

import pytest

from managers import Recorder, make
from pystrix.ami import Manager, Request, core, core_events
from pystrix.ami.protocol import MessageParser
from pystrix.testing import AsteriskSimulator
from scripted_server import Peer, ScriptedServer
from test_simulator import Client, assert_same_answers, replay
from transcripts import Transcript, load

# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def manager(flavor: str) -> Any:
    return make(flavor)  # closed by conftest's clean-up


def _login(manager: Manager, simulator: AsteriskSimulator) -> None:
    manager.connect(simulator.host, simulator.port)
    answer = manager.send_action(core.Login("admin", "wordpass"))
    assert answer is not None and answer.success


def _send(manager: Manager, request: Request) -> Any:
    answer = manager.send_action(request)
    assert answer is not None
    return answer


def _scripted(answers: dict[str, str]) -> ScriptedServer:
    """A peer that answers each action named in ``answers`` with ``Response: Success``, the
    action's ActionID and the given header lines."""

    def script(peer: Peer) -> None:
        while (message := peer.read_message()) is not None:
            peer.answer(message, answers[message.name])

    return ScriptedServer(script)


# -- MailboxCount and MailboxStatus ------------------------------------------------------------


def test_mailbox_counts_are_ints(manager: Manager, simulator: AsteriskSimulator) -> None:
    _login(manager, simulator)
    empty = _send(manager, core.MailboxCount("6001@default"))
    assert empty.result["NewMessages"] == 0 and type(empty.result["NewMessages"]) is int
    assert empty.result["OldMessages"] == 0 and empty.result["UrgMessages"] == 0
    assert empty.response is empty.result  # converted in place, as in pystrix 1.x
    assert empty.result["Mailbox"] == "6001@default"

    simulator.leave_voicemail("6001@default")
    simulator.leave_voicemail("6001@default", folder="Old")
    simulator.leave_voicemail("6001@default", folder="Urgent")
    counted = _send(manager, core.MailboxCount("6001@default"))
    assert (counted.result["NewMessages"], counted.result["OldMessages"]) == (1, 1)
    assert counted.result["UrgMessages"] == 1


def test_mailbox_count_error_gives_minus_one(
    manager: Manager, simulator: AsteriskSimulator
) -> None:
    _login(manager, simulator)
    refused = _send(manager, core.MailboxCount(""))
    assert not refused.success and refused.result["Message"] == "Mailbox not specified"
    assert refused.result["NewMessages"] == -1 and refused.result["OldMessages"] == -1
    assert "UrgMessages" not in refused.result  # only converted when Asterisk sent it


def test_mailbox_status_waiting_is_an_int(manager: Manager, simulator: AsteriskSimulator) -> None:
    _login(manager, simulator)
    assert _send(manager, core.MailboxStatus("6002@default")).result["Waiting"] == 0
    simulator.leave_voicemail("6002@default")
    answer = _send(manager, core.MailboxStatus("6002@default"))
    assert answer.result["Waiting"] == 1


def test_counts_that_are_not_numbers_give_minus_one(flavor: str) -> None:
    answers = {
        "MailboxCount": "Mailbox: 1@x\r\nUrgMessages: \r\nNewMessages: lots\r\nOldMessages: 2\r\n",
        "MailboxStatus": "Mailbox: 1@x\r\nWaiting: yes\r\n",
    }
    with _scripted(answers) as server:
        manager = make(flavor)
        manager.connect(server.host, server.port)
        count = _send(manager, core.MailboxCount("1@x")).result
        assert (count["UrgMessages"], count["NewMessages"], count["OldMessages"]) == (-1, -1, 2)
        assert _send(manager, core.MailboxStatus("1@x")).result["Waiting"] == -1


# -- Ping -------------------------------------------------------------------------------------


def test_ping_result_carries_the_round_trip(manager: Manager, simulator: AsteriskSimulator) -> None:
    _login(manager, simulator)
    ping = core.Ping()
    answer = _send(manager, ping)
    rtt = answer.result["RTT"]
    # Seconds as a float: the Manager's own measure of the round trip.
    assert type(rtt) is float and rtt == answer.time > 0
    assert answer.result is answer.response and answer.result["Ping"] == "Pong"
    again = _send(manager, ping)  # a request sent again is timed again
    assert again.result["RTT"] == again.time


def test_ping_refused_gives_minus_one(manager: Manager, simulator: AsteriskSimulator) -> None:
    manager.connect(simulator.host, simulator.port)  # no login: Permission denied
    answer = _send(manager, core.Ping())
    assert not answer.success and answer.result["RTT"] == -1


# -- SIPshowpeer and GetConfig ---------------------------------------------------------------

# chan_sip's answer (Asterisk 1.8 to 20), abridged.
_SIP_PEER = (
    "Channeltype: SIP\r\nObjectName: 1000\r\nChanObjectType: peer\r\nSecretExist: Y\r\n"
    "MD5SecretExist: N\r\nContext: default\r\nMaxCallBR: 384 kbps\r\nDynamic: Y\r\n"
    "RegExpire: 3587 seconds\r\nSIP-AuthInsecure: port,invite\r\nACL: N\r\n"
    "SIP-DirectMedia: Y\r\nSIP-PromiscRedir: N\r\nSIP-UserPhone: N\r\nSIP-VideoSupport: Y\r\n"
    "Address-IP: 192.0.2.10\r\nAddress-Port: 5060\r\nStatus: OK (12 ms)\r\n"
)


def test_sip_show_peer_converts_flags_and_numbers(flavor: str) -> None:
    with _scripted({"SIPshowpeer": _SIP_PEER}) as server:
        manager = make(flavor)
        manager.connect(server.host, server.port)
        answer = _send(manager, core.SIPshowpeer("1000"))
    peer = answer.result
    assert peer["SecretExist"] is True and peer["MD5SecretExist"] is False
    assert peer["Dynamic"] is True and peer["ACL"] is False
    assert peer["SIP-VideoSupport"] is True and peer["SIP-UserPhone"] is False
    assert peer["SIP-CanReinvite"] is False  # absent (1.8+ says SIP-DirectMedia): set, as 1.x
    assert peer["SIP-AuthInsecure"] is True
    assert (peer["Address-Port"], peer["MaxCallBR"], peer["RegExpire"]) == (5060, 384, 3587)
    assert peer["Status"] == "OK (12 ms)"


def test_sip_show_peer_missing_numbers_are_minus_one() -> None:
    response = MessageParser().feed(b"Response: Success\r\nSIP-AuthInsecure: no\r\n\r\n")[0]
    peer = core.SIPshowpeer("1000").process_response(response)
    assert peer["SIP-AuthInsecure"] is False and peer["Dynamic"] is False
    assert (peer["Address-Port"], peer["MaxCallBR"], peer["RegExpire"]) == (-1, -1, -1)


def test_get_config_result_yields_lines_in_order(flavor: str) -> None:
    config = (
        "Category-000000: general\r\nLine-000000-000000: static=yes\r\n"
        "Line-000000-000001: writeprotect=no\r\nCategory-000001: test\r\n"
        "Line-000001-000000: exten=>100,1,Answer()\r\n"
    )
    with _scripted({"GetConfig": config}) as server:
        manager = make(flavor)
        manager.connect(server.host, server.port)
        answer = _send(manager, core.GetConfig("extensions.conf"))
    assert isinstance(answer.result, core.GetConfigResult)
    assert list(answer.result.get_lines()) == [
        "static=yes",
        "writeprotect=no",
        "exten=>100,1,Answer()",
    ]
    assert answer.result["Category-000001"] == "test"


# -- ChanVariable(<channel>) -------------------------------------------------------------------


def test_channel_variables_stay_per_channel(manager: Manager, simulator: AsteriskSimulator) -> None:
    # UserEvent copies the sender's headers: an Asterisk 11 style event over the wire, with
    # the same name set for two channels, beside the Asterisk 12 forms.
    waiter = Recorder()
    manager.register_callback("UserEvent", waiter)
    _login(manager, simulator)
    request = Request("UserEvent")
    request["UserEvent"] = "Vars"
    request["Channel"] = "SIP/1000-00000001"
    request["ChanVariable(SIP/1000-00000001)"] = ["CDR(dst)=5899", "FOO=one"]
    request["ChanVariable(Local/5842@q-00000002;1)"] = "CDR(dst)=5842"
    request["ChanVariable"] = "BAR=plain"
    request["DestChannel"] = "PJSIP/2000-00000003"
    request["DestChanVariable"] = "FOO=dest"
    _send(manager, request)
    event = waiter.first(lambda m: m.get("UserEvent") == "Vars")
    assert event.channel_variables == {
        "SIP/1000-00000001": {"CDR(dst)": "5899", "FOO": "one", "BAR": "plain"},
        "Local/5842@q-00000002;1": {"CDR(dst)": "5842"},
        "PJSIP/2000-00000003": {"FOO": "dest"},
    }
    assert event.variables == {"BAR": "plain"}  # the unqualified forms only


# -- an event compares equal to its name ------------------------------------------------------


def test_event_equals_its_name(manager: Manager, simulator: AsteriskSimulator) -> None:
    waiter = Recorder()
    manager.register_callback("", waiter)
    _login(manager, simulator)
    event = waiter.first(lambda m: m.name == "FullyBooted")
    assert isinstance(event, core_events.FullyBooted)
    assert event == "FullyBooted"
    assert "FullyBooted" == event  # noqa: SIM300  (the reflected comparison is under test)
    assert event != "Shutdown" and (event != "FullyBooted") is False
    assert event == dict(event) and event != "fullybooted"  # names compare exactly
    headers, data = event.process()
    assert headers["Uptime"] == int(event["Uptime"]) and data == []
    answer = _send(manager, core.Command("core show version"))
    response = answer.response
    assert response == "Success" and response.action_id == answer.action_id
    assert response.data[0].startswith("Asterisk 22") and response.process()[1] == response.data
    assert response.headers == dict(response) and response.process()[0] == response.headers
    assert response.raw is not None and response.raw.startswith("Response: Success\n")


# -- the simulator's voicemail, through both Managers -----------------------------------------


def test_voicemail_box_lifecycle(manager: Manager, simulator: AsteriskSimulator) -> None:
    waiter = Recorder()
    manager.register_callback("MessageWaiting", waiter)
    _login(manager, simulator)
    msg_id = simulator.leave_voicemail("6001@default", caller_id='"Ann" <100>', duration=8)
    assert waiter.first(lambda m: m["New"] == "1")["Mailbox"] == "6001@default"

    users = core.VoicemailUsersList()
    users.synchronous = True
    entries = _send(manager, users).events[core_events.VoicemailUserEntry]
    assert [(e["VoiceMailbox"], e["NewMessageCount"]) for e in entries] == [
        ("6001", "1"),
        ("6002", "0"),
    ]
    summary = core.VoicemailBoxSummary("default", "6001")
    summary.synchronous = True
    (detail,) = _send(manager, summary).events[core_events.VoicemailBoxDetail]
    assert (detail["ID"], detail["CallerID"], detail["Duration"]) == (msg_id, '"Ann" <100>', "8")

    removed = _send(manager, core.VoicemailRemove("default", "6001", "INBOX", msg_id))
    assert removed.success and removed.result["Message"] == "Message remove successful"
    assert waiter.first(lambda m: m["New"] == "0")["Waiting"] == "0"
    assert _send(manager, core.MailboxCount("6001@default")).result["NewMessages"] == 0


# -- transcript 25, replayed ----------------------------------------------------------------


def _part(transcript: Transcript, start: float, end: float) -> Transcript:
    """The login (what happened before ``t`` 0.5) and the records from ``start`` until
    before ``end``."""
    records = [r for r in transcript.records if r.t < 0.5 or start <= r.t < end]
    return Transcript(transcript.name, records)


def test_replay_voicemail_before_any_message(simulator: AsteriskSimulator) -> None:
    # Up to the Originate that leaves a message through the dialplan (not simulated).
    transcript = _part(load("25-voicemail"), 0.5, 6.0)
    client = Client(simulator.address)
    try:
        replay(transcript, client)
        assert_same_answers(transcript.server_messages(), client.messages)
    finally:
        client.close()


def test_replay_voicemail_with_the_recorded_message(simulator: AsteriskSimulator) -> None:
    # The message the recorded call left, put in the box as it was; then the session's
    # end: counts, VoicemailUserStatus, VoicemailBoxSummary, two VoicemailRemove, Logoff.
    simulator.leave_voicemail(
        "6001@default",
        caller_id="Unknown",
        duration=8,
        msg_id="1795758930-00000000",
        date="Fri Nov 27 05:55:30 AM UTC 2026",
    )
    transcript = _part(load("25-voicemail"), 16.0, 99.0)
    client = Client(simulator.address)
    try:
        replay(transcript, client)
        assert client.eof
        assert_same_answers(transcript.server_messages(), client.messages)
    finally:
        client.close()
