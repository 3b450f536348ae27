"""Recorded Asterisk 22.10.1 data the simulator answers with (not code: what Asterisk said).

``ACTIONS`` is the ``ListCommands`` answer of transcript 16: each action, its synopsis and the
permission classes it needs (``()`` for none).  ``DIALPLAN_SHOW_TEST`` is the output of
``dialplan show test`` for the recorded dialplan.  ``VOICEMAIL_USERS`` and
``VOICEMAIL_USER_SETTINGS`` are the recorded ``voicemail.conf`` as ``VoicemailUsersList``
showed it (transcript 25).
"""

from __future__ import annotations

__all__ = [
    "ACTIONS",
    "DIALPLAN_SHOW_TEST",
    "VERSION_LINE",
    "VOICEMAIL_USERS",
    "VOICEMAIL_USER_SETTINGS",
]

#: (action, synopsis, permission classes), in the order ListCommands lists them.
ACTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("AbsoluteTimeout", "Set absolute timeout.", ("system", "call")),
    ("AGI", "Add an AGI command to execute by Async AGI.", ("agi",)),
    ("AOCMessage", "Generate an Advice of Charge message on a channel.", ("aoc",)),
    ("Atxfer", "Attended transfer.", ("call",)),
    ("BlindTransfer", "Blind transfer channel(s) to the given destination", ("call",)),
    ("Bridge", "Bridge two channels already in the PBX.", ("call",)),
    ("BridgeDestroy", "Destroy a bridge.", ()),
    ("BridgeInfo", "Get information about a bridge.", ()),
    ("BridgeKick", "Kick a channel from a bridge.", ()),
    ("BridgeList", "Get a list of bridges in the system.", ()),
    ("BridgeTechnologyList", "List available bridging technologies and their statuses.", ()),
    ("BridgeTechnologySuspend", "Suspend a bridging technology.", ()),
    ("BridgeTechnologyUnsuspend", "Unsuspend a bridging technology.", ()),
    ("CancelAtxfer", "Cancel an attended transfer.", ("call",)),
    ("Challenge", "Generate Challenge for MD5 Auth.", ()),
    ("Command", "Execute Asterisk CLI Command.", ("command",)),
    ("ConfbridgeKick", "Kick a Confbridge user.", ("call",)),
    ("ConfbridgeList", "List participants in a conference.", ("reporting",)),
    ("ConfbridgeListRooms", "List active conferences.", ("reporting",)),
    ("ConfbridgeLock", "Lock a Confbridge conference.", ("call",)),
    ("ConfbridgeMute", "Mute a Confbridge user.", ("call",)),
    (
        "ConfbridgeSetSingleVideoSrc",
        "Set a conference user as the single video source distributed to all other participants.",
        ("call",),
    ),
    ("ConfbridgeStartRecord", "Start recording a Confbridge conference.", ("system",)),
    ("ConfbridgeStopRecord", "Stop recording a Confbridge conference.", ("system",)),
    ("ConfbridgeUnlock", "Unlock a Confbridge conference.", ("call",)),
    ("ConfbridgeUnmute", "Unmute a Confbridge user.", ("call",)),
    ("ControlPlayback", "Control the playback of a file being played to a channel.", ("call",)),
    ("CoreSettings", "Show PBX core settings (version etc).", ("system", "reporting")),
    (
        "CoreShowChannelMap",
        "List all channels connected to the specified channel.",
        ("system", "reporting"),
    ),
    ("CoreShowChannels", "List currently active channels.", ("system", "reporting")),
    ("CoreStatus", "Show PBX core status variables.", ("system", "reporting")),
    ("CreateConfig", "Creates an empty file in the configuration directory.", ("config",)),
    ("DBDel", "Delete DB entry.", ("system",)),
    ("DBDelTree", "Delete DB Tree.", ("system",)),
    ("DBGet", "Get DB Entry.", ("system", "reporting")),
    ("DBGetTree", "Get DB entries, optionally at a particular family/key", ("system", "reporting")),
    ("DBPut", "Put DB entry.", ("system",)),
    ("DeviceStateList", "List the current known device states.", ("call", "reporting")),
    ("DialplanExtensionAdd", "Add an extension to the dialplan", ("system",)),
    ("DialplanExtensionRemove", "Remove an extension from the dialplan", ("system",)),
    ("Events", "Control Event Flow.", ()),
    ("ExtensionState", "Check Extension Status.", ("call", "reporting")),
    ("ExtensionStateList", "List the current known extension states.", ("call", "reporting")),
    ("FAXSession", "Responds with a detailed description of a single FAX session", ("call",)),
    ("FAXSessions", "Lists active FAX sessions", ("call",)),
    ("FAXStats", "Responds with fax statistics", ("reporting",)),
    ("Filter", "Dynamically add filters for the current manager session.", ("system",)),
    ("GetConfig", "Retrieve configuration.", ("system", "config")),
    ("GetConfigJSON", "Retrieve configuration (JSON format).", ("system", "config")),
    ("Getvar", "Gets a channel variable or function value.", ("call", "reporting")),
    ("Hangup", "Hangup channel.", ("system", "call")),
    ("ListCategories", "List categories in configuration file.", ("config",)),
    ("ListCommands", "List available manager commands.", ()),
    ("LocalOptimizeAway", "Optimize away a local channel when possible.", ("system", "call")),
    ("LoggerRotate", "Reload and rotate the Asterisk logger.", ("system", "reporting")),
    ("Login", "Login Manager.", ()),
    ("Logoff", "Logoff Manager.", ()),
    ("MailboxCount", "Check Mailbox Message Count.", ("call", "reporting")),
    ("MailboxStatus", "Check mailbox.", ("call", "reporting")),
    ("MessageSend", "Send an out of call message to an endpoint.", ("message",)),
    (
        "MixMonitor",
        (
            "Record a call and mix the audio during the recording.  Use of StopMixMonitor is "
            "required to guarantee the audio file is available for processing during dialplan "
            "execution."
        ),
        ("system",),
    ),
    ("MixMonitorMute", "Mute / unMute a Mixmonitor recording.", ("system", "call")),
    ("ModuleCheck", "Check if module is loaded.", ("system",)),
    ("ModuleLoad", "Module management.", ("system",)),
    ("MuteAudio", "Mute an audio stream.", ("system",)),
    ("Originate", "Originate a call.", ("originate",)),
    ("Park", "Park a channel.", ("call",)),
    ("ParkedCalls", "List parked calls.", ("call",)),
    ("Parkinglots", "Get a list of parking lots", ("call",)),
    ("Ping", "Keepalive command.", ()),
    ("PlayDTMF", "Play DTMF signal on a specific channel.", ("call",)),
    ("PlayMF", "Play MF digit on a specific channel.", ("call",)),
    ("PresenceState", "Check Presence State", ("call", "reporting")),
    ("PresenceStateList", "List the current known presence states.", ("call", "reporting")),
    ("QueueAdd", "Add interface to queue.", ("agent",)),
    ("QueueChangePriorityCaller", "Change priority of a caller on queue.", ()),
    ("QueueLog", "Adds custom entry in queue_log.", ("agent",)),
    ("QueueMemberRingInUse", "Set the ringinuse value for a queue member.", ("agent",)),
    ("QueuePause", "Makes a queue member temporarily unavailable.", ("agent",)),
    ("QueuePenalty", "Set the penalty for a queue member.", ("agent",)),
    ("QueueReload", "Reload a queue, queues, or any sub-section of a queue or queues.", ()),
    ("QueueRemove", "Remove interface from queue.", ("agent",)),
    ("QueueReset", "Reset queue statistics.", ()),
    ("QueueRule", "Queue Rules.", ()),
    ("QueueStatus", "Show queue status.", ()),
    ("QueueSummary", "Show queue summary.", ()),
    (
        "QueueWithdrawCaller",
        "Request to withdraw a caller from the queue back to the dialplan.",
        (),
    ),
    ("Redirect", "Redirect (transfer) a call.", ("call",)),
    ("Reload", "Send a reload event.", ("system", "config")),
    ("SendFlash", "Send a hook flash on a specific channel.", ("call",)),
    (
        "SendText",
        (
            "Sends a text message to channel. A content type\tcan be optionally specified. "
            "If not set it is set to an empty string allowing a custom handler to default it "
            "as it sees fit."
        ),
        ("call",),
    ),
    ("Setvar", "Sets a channel variable or function value.", ("call",)),
    ("ShowDialPlan", "Show dialplan contexts and extensions", ("config", "reporting")),
    (
        "SorceryMemoryCacheExpire",
        "Expire (remove) ALL objects from a sorcery memory cache.",
        ("system",),
    ),
    (
        "SorceryMemoryCacheExpireObject",
        "Expire (remove) an object from a sorcery memory cache.",
        ("system",),
    ),
    (
        "SorceryMemoryCachePopulate",
        "Expire all objects from a memory cache and populate it with all objects from the backend.",
        ("system",),
    ),
    (
        "SorceryMemoryCacheStale",
        "Marks ALL objects in a sorcery memory cache as stale.",
        ("system",),
    ),
    (
        "SorceryMemoryCacheStaleObject",
        "Mark an object in a sorcery memory cache as stale.",
        ("system",),
    ),
    ("Status", "List channel status.", ("system", "call", "reporting")),
    (
        "StopMixMonitor",
        "Stop recording a call through MixMonitor, and free the recording's file handle.",
        ("system", "call"),
    ),
    ("UpdateConfig", "Update basic configuration.", ("config",)),
    ("UserEvent", "Send an arbitrary event.", ("user",)),
    ("WaitEvent", "Wait for an event to occur.", ()),
)

#: ``core show version`` on the recorded build.
VERSION_LINE = (
    "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-27 04:38:48 UTC"
)

#: ``dialplan show test`` for the recorded dialplan, one item per output line.
DIALPLAN_SHOW_TEST: tuple[str, ...] = (
    "[ Context 'test' created by 'pbx_config' ]",
    "  '100' =>          1. Answer()                                   [extensions.conf:14]",
    "                    2. Wait(2)                                    [extensions.conf:15]",
    "                    3. Hangup()                                   [extensions.conf:16]",
    "  '200' =>          1. Answer()                                   [extensions.conf:18]",
    "                    2. Set(FOO=bar)                               [extensions.conf:19]",
    "                    3. UserEvent(TestEvent,Key1: v1,Key2: v2)     [extensions.conf:20]",
    "                    4. Wait(2)                                    [extensions.conf:21]",
    "                    5. Hangup()                                   [extensions.conf:22]",
    "  '300' =>          1. AGI(agi://127.0.0.1:4573/hello)            [extensions.conf:24]",
    "                    2. Hangup()                                   [extensions.conf:25]",
    "  '400' =>          1. Answer()                                   [extensions.conf:27]",
    "                    2. Echo()                                     [extensions.conf:28]",
    "  '500' =>          1. Answer()                                   [extensions.conf:32]",
    "                    2. Wait(30)                                   [extensions.conf:33]",
    "                    3. Hangup()                                   [extensions.conf:34]",
    "  '600' =>          1. Wait(20)                                   [extensions.conf:37]",
    "                    2. Hangup()                                   [extensions.conf:38]",
    "",
    "-= 6 extensions (17 priorities) in 1 context. =-",
)

#: The recorded ``voicemail.conf``: (context, mailbox, full name) of each user, in order.
VOICEMAIL_USERS: tuple[tuple[str, str, str], ...] = (
    ("default", "6001", "Test One"),
    ("default", "6002", "Test Two"),
)

#: The headers of a ``VoicemailUserEntry`` (and ``VoicemailUserDetail``) between
#: ``Fullname`` and the message counts, as recorded for both users (every setting at its
#: default).
VOICEMAIL_USER_SETTINGS: tuple[tuple[str, str], ...] = (
    ("Email", "(null)"),
    ("Pager", ""),
    ("ServerEmail", "asterisk"),
    ("FromString", ""),
    ("MailCommand", "/usr/sbin/sendmail -t"),
    ("Language", ""),
    ("TimeZone", ""),
    ("Callback", ""),
    ("Dialout", ""),
    ("UniqueID", ""),
    ("ExitContext", ""),
    ("SayDurationMinimum", "2"),
    ("SayEnvelope", "Yes"),
    ("SayCID", "No"),
    ("AttachMessage", "No"),
    ("AttachmentFormat", ""),
    ("DeleteMessage", "No"),
    ("VolumeGain", "0.00"),
    ("CanReview", "No"),
    ("CanMarkUrgent", "Yes"),
    ("CallOperator", "No"),
    ("MaxMessageCount", "100"),
    ("MaxMessageLength", "60"),
)
