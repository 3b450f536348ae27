"""Event classes of res_pjsip and chan_pjsip: the answers to the ``PJSIPShow*`` actions and
contact status changes.  Their ``_Aggregate`` classes are made by
:mod:`pystrix.ami.catalog`, like those of every modern list action."""

from __future__ import annotations

from .events import Event

__all__ = [
    "AorDetail",
    "AorList",
    "AorListComplete",
    "AuthDetail",
    "AuthList",
    "AuthListComplete",
    "ContactList",
    "ContactListComplete",
    "ContactStatus",
    "ContactStatusDetail",
    "ContactStatusDetailComplete",
    "EndpointDetail",
    "EndpointDetailComplete",
    "EndpointList",
    "EndpointListComplete",
    "IdentifyDetail",
    "InboundRegistrationDetail",
    "InboundRegistrationDetailComplete",
    "InboundSubscriptionDetail",
    "InboundSubscriptionDetailComplete",
    "OutboundRegistrationDetail",
    "OutboundRegistrationDetailComplete",
    "OutboundSubscriptionDetail",
    "OutboundSubscriptionDetailComplete",
    "PJSIPMaintenanceStatus",
    "PJSIPShowMaintenanceComplete",
    "ResourceListDetail",
    "ResourceListDetailComplete",
    "TransportDetail",
]


class AorDetail(Event):
    """A PJSIP AOR, in the answer to ``PJSIPShowEndpoint``. Since Asterisk 13.12.0."""

    int_headers = (
        "MinimumExpiration",
        "MaximumExpiration",
        "DefaultExpiration",
        "QualifyFrequency",
        "MaxContacts",
        "TotalContacts",
        "ContactsRegistered",
    )
    float_headers = ("QualifyTimeout",)
    bool_headers = (
        "AuthenticateQualify",
        "RemoveExisting",
        "RemoveUnavailable",
        "SupportPath",
        "Qualify2xxOnly",
    )


class AorList(Event):
    """One PJSIP AOR in the answer to ``PJSIPShowAors``. Since Asterisk 16.0.0."""

    int_headers = (
        "MinimumExpiration",
        "MaximumExpiration",
        "DefaultExpiration",
        "QualifyFrequency",
        "MaxContacts",
    )
    float_headers = ("QualifyTimeout",)
    bool_headers = (
        "Qualify2xxOnly",
        "AuthenticateQualify",
        "RemoveExisting",
        "RemoveUnavailable",
        "SupportPath",
    )


class AorListComplete(Event):
    """The end of a ``PJSIPShowAors`` list."""

    int_headers = ("ListItems",)


class AuthDetail(Event):
    """A PJSIP auth section, in the answer to ``PJSIPShowEndpoint`` and others. Since Asterisk
    12.0.0.
    """

    int_headers = ("NonceLifetime",)


class AuthList(Event):
    """One PJSIP auth section in the answer to ``PJSIPShowAuths``. Since Asterisk 16.0.0."""

    int_headers = ("NonceLifetime",)


class AuthListComplete(Event):
    """The end of a ``PJSIPShowAuths`` list."""

    int_headers = ("ListItems",)


class ContactList(Event):
    """One PJSIP contact in the answer to ``PJSIPShowContacts``. Since Asterisk 16.0.0."""

    int_headers = ("ViaPort", "QualifyFrequency", "RoundtripUsec")
    float_headers = ("QualifyTimeout",)
    bool_headers = ("PruneOnBoot", "AuthenticateQualify", "Qualify2xxOnly")
    time_headers = ("ExpirationTime",)


class ContactListComplete(Event):
    """The end of a ``PJSIPShowContacts`` list."""

    int_headers = ("ListItems",)


class ContactStatus(Event):
    """A PJSIP contact changed status (``ContactStatus``, ``RoundtripUsec``). Since Asterisk
    13.5.0.
    """

    int_headers = ("RoundtripUsec",)


class ContactStatusDetail(Event):
    """A PJSIP contact's status, in the answer to several PJSIPShow actions. Since Asterisk
    13.0.0.
    """

    int_headers = ("RoundtripUsec", "QualifyFrequency")
    float_headers = ("QualifyTimeout",)
    bool_headers = ("AuthenticateQualify", "Qualify2xxOnly")
    time_headers = ("RegExpire",)


class ContactStatusDetailComplete(Event):
    """The end of a ``PJSIPShowRegistrationInboundContactStatuses`` list."""

    int_headers = ("ListItems",)


class EndpointDetail(Event):
    """A PJSIP endpoint's settings, in the answer to ``PJSIPShowEndpoint``. Since Asterisk
    12.0.0.
    """

    int_headers = (
        "TimersMinSe",
        "TimersSessExpires",
        "DeviceStateBusyAt",
        "T38UdptlMaxdatagram",
        "CosAudio",
        "CosVideo",
        "SubMinExpiry",
        "ActiveChannels",
        "FaxDetectTimeout",
        "MaxAudioStreams",
        "MaxVideoStreams",
        "RtpTimeout",
        "RtpTimeoutHold",
        "RtpPortStart",
        "RtpPortEnd",
    )
    bool_headers = (
        "RtpIpv6",
        "RtpSymmetric",
        "IceSupport",
        "UsePtime",
        "ForceRport",
        "RewriteContact",
        "100rel",
        "Timers",
        "DirectMedia",
        "TrustConnectedLine",
        "SendConnectedLine",
        "DisableDirectMediaOnNat",
        "TrustIdInbound",
        "TrustIdOutbound",
        "SendPai",
        "SendRpid",
        "SendDiversion",
        "AggregateMwi",
        "MediaEncryption",
        "MediaEncryptionOptimistic",
        "UseAvpf",
        "ForceAvp",
        "MediaUseReceivedTransport",
        "OneTouchRecording",
        "InbandProgress",
        "T38Udptl",
        "FaxDetect",
        "T38UdptlNat",
        "T38UdptlIpv6",
        "T38BindUdptlToMediaAddress",
        "AllowTransfer",
        "UserEqPhone",
        "MohPassthrough",
        "AllowSubscribe",
        "DtlsVerify",
        "SrtpTag32",
        "PreferredCodecOnly",
        "AllowOverlap",
        "AcceptMultipleSdpAnswers",
        "AllowUnauthenticatedOptions",
        "AsymmetricRtpCodec",
        "BindRtpToMediaAddress",
        "Bundle",
        "DtlsAutoGenerateCert",
        "FollowEarlyMediaFork",
        "G726NonStandard",
        "Ignore183WithoutSdp",
        "MwiSubscribeReplacesUnsolicited",
        "NotifyEarlyInuseRinging",
        "ReferBlindProgress",
        "RpidImmediate",
        "RtcpMux",
        "SecurityNegotiation",
        "SendAoc",
        "SendHistoryInfo",
        "StirShaken",
        "SuppressMohOnSendonly",
        "SuppressQ850ReasonHeaders",
        "Webrtc",
    )


class EndpointDetailComplete(Event):
    """The end of a ``PJSIPShowEndpoint`` list."""

    int_headers = ("ListItems",)


class EndpointList(Event):
    """One PJSIP endpoint in the answer to ``PJSIPShowEndpoints``. Since Asterisk 12.0.0."""

    int_headers = ("ActiveChannels",)


class EndpointListComplete(Event):
    """The end of a ``PJSIPShowEndpoints`` list."""

    int_headers = ("ListItems",)


class IdentifyDetail(Event):
    """A PJSIP identify section, in the answer to ``PJSIPShowEndpoint``. Since Asterisk
    13.20.0.
    """


class InboundRegistrationDetail(Event):
    """One AOR in the answer to ``PJSIPShowRegistrationsInbound``. Since Asterisk 12.0.0."""

    int_headers = (
        "MinimumExpiration",
        "DefaultExpiration",
        "MaxContacts",
        "MaximumExpiration",
        "QualifyFrequency",
    )
    float_headers = ("QualifyTimeout",)
    bool_headers = (
        "Qualify2xxOnly",
        "SupportPath",
        "RemoveUnavailable",
        "AuthenticateQualify",
        "RemoveExisting",
    )


class InboundRegistrationDetailComplete(Event):
    """The end of a ``PJSIPShowRegistrationsInbound`` list."""

    int_headers = ("ListItems",)


class InboundSubscriptionDetail(Event):
    """One subscription in the answer to ``PJSIPShowSubscriptionsInbound``. Since Asterisk
    12.0.0.
    """


class InboundSubscriptionDetailComplete(Event):
    """The end of a ``PJSIPShowSubscriptionsInbound`` list."""

    int_headers = ("ListItems",)


class OutboundRegistrationDetail(Event):
    """One registration in the answer to ``PJSIPShowRegistrationsOutbound``. Since Asterisk
    12.0.0.
    """

    int_headers = (
        "MaxRetries",
        "MaxRandomInitialDelay",
        "RetryInterval",
        "Expiration",
        "ForbiddenRetryInterval",
        "FatalRetryInterval",
    )
    bool_headers = (
        "SecurityNegotiation",
        "AuthRejectionPermanent",
        "SupportPath",
        "Line",
        "SupportOutbound",
    )


class OutboundRegistrationDetailComplete(Event):
    """The end of a ``PJSIPShowRegistrationsOutbound`` list."""

    int_headers = ("ListItems", "Registered", "NotRegistered")


class OutboundSubscriptionDetail(Event):
    """One subscription in the answer to ``PJSIPShowSubscriptionsOutbound``. Since Asterisk
    12.0.0.
    """


class OutboundSubscriptionDetailComplete(Event):
    """The end of a ``PJSIPShowSubscriptionsOutbound`` list."""

    int_headers = ("ListItems",)


class PJSIPMaintenanceStatus(Event):
    """A PJSIP endpoint entered or left maintenance mode. Since Asterisk 20.20.0."""


class PJSIPShowMaintenanceComplete(Event):
    """The end of a ``PJSIPShowMaintenance`` list."""

    int_headers = ("ListItems",)


class ResourceListDetail(Event):
    """One resource list in the answer to ``PJSIPShowResourceLists``. Since Asterisk 13.0.0."""

    int_headers = ("NotificationBatchInterval",)


class ResourceListDetailComplete(Event):
    """The end of a ``PJSIPShowResourceLists`` list."""

    int_headers = ("ListItems",)


class TransportDetail(Event):
    """A PJSIP transport, in the answer to ``PJSIPShowEndpoint``. Since Asterisk 12.6.0."""

    int_headers = (
        "ExternalSignalingPort",
        "Cos",
        "WebsocketWriteTimeout",
        "TcpKeepaliveIdleTime",
        "TcpKeepaliveIntervalTime",
        "TcpKeepaliveProbeCount",
    )
    bool_headers = (
        "VerifyServer",
        "VerifyClient",
        "RequireClientCert",
        "AllowReload",
        "AllowWildcardCerts",
        "SymmetricTransport",
        "TcpKeepaliveEnable",
    )
