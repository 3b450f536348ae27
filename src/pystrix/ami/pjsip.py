"""AMI actions of res_pjsip and chan_pjsip (the SIP stack of Asterisk 12 and later).

These replace chan_sip's ``SIPpeers``, ``SIPshowpeer``, ``SIPqualify``, ``SIPnotify`` and
``SIPshowregistry`` (kept in :mod:`pystrix.ami.core` for older Asterisk).  Each class is
declared as a list of headers (see :mod:`pystrix.ami.action`)."""

from __future__ import annotations

from typing import Annotated

from .action import Action
from .core import Variables


class PJSIPHangup(Action):
    """Hang up a PJSIP channel with a SIP response code. Since Asterisk 21.1.0."""

    channel: Annotated[str, "Channel"]
    cause: Annotated[int, "Cause"]


class PJSIPNotify(Action):
    """Send a SIP NOTIFY to an endpoint, a URI or a channel's peer. Since Asterisk 12.0.0."""

    endpoint: Annotated[str | None, "Endpoint"] = None
    uri: Annotated[str | None, "URI"] = None
    channel: Annotated[str | None, "channel"] = None
    option: Annotated[str | None, "Option"] = None
    variables: Annotated[Variables | None, "Variable"] = None


class PJSIPQualify(Action):
    """Qualify (send OPTIONS to) a PJSIP endpoint's contacts. Since Asterisk 12.0.0."""

    endpoint: Annotated[str, "Endpoint"]


class PJSIPRegister(Action):
    """Register an outbound registration now (re-register if registered). Since Asterisk
    13.2.0.
    """

    registration: Annotated[str, "Registration"]


class PJSIPSetMaintenance(Action):
    """Put a PJSIP endpoint in or out of maintenance mode. Since Asterisk 20.20.0."""

    endpoint: Annotated[str, "Endpoint"]
    state: Annotated[str, "State"]


class PJSIPShowAors(Action):
    """List PJSIP AORs: ``AorList`` events. Since Asterisk 16.0.0. A list action: ``AorList``
    events, then ``AorListComplete``.
    """

    list_events = ("AorList",)
    list_complete = "AorListComplete"
    empty_list_error = "No AORs found"


class PJSIPShowAuths(Action):
    """List PJSIP auths: ``AuthList`` events. Since Asterisk 16.0.0. A list action:
    ``AuthList`` events, then ``AuthListComplete``.
    """

    list_events = ("AuthList",)
    list_complete = "AuthListComplete"
    empty_list_error = "No Auths found"


class PJSIPShowContacts(Action):
    """List PJSIP contacts: ``ContactList`` events (``Error`` when there are none). Since
    Asterisk 16.0.0. A list action: ``ContactList`` events, then ``ContactListComplete``.
    """

    list_events = ("ContactList",)
    list_complete = "ContactListComplete"
    empty_list_error = "No Contacts found"


class PJSIPShowEndpoint(Action):
    """Detail one PJSIP endpoint: its ``EndpointDetail`` and related objects. Since Asterisk
    12.0.0. A list action: ``EndpointDetail``, ``AuthDetail``, ``TransportDetail``,
    ``AorDetail``, ``ContactStatusDetail``, ``IdentifyDetail`` events, then
    ``EndpointDetailComplete``.
    """

    list_events = (
        "EndpointDetail",
        "AuthDetail",
        "TransportDetail",
        "AorDetail",
        "ContactStatusDetail",
        "IdentifyDetail",
    )
    list_complete = "EndpointDetailComplete"

    endpoint: Annotated[str, "Endpoint"]


class PJSIPShowEndpoints(Action):
    """List PJSIP endpoints: ``EndpointList`` events. Since Asterisk 12.0.0. A list action:
    ``EndpointList`` events, then ``EndpointListComplete``.
    """

    list_events = ("EndpointList",)
    list_complete = "EndpointListComplete"
    empty_list_error = "No endpoints found"


class PJSIPShowMaintenance(Action):
    """Show which PJSIP endpoints are in maintenance mode. Since Asterisk 20.20.0. A list
    action: ``PJSIPMaintenanceStatus`` events, then ``PJSIPShowMaintenanceComplete``.
    """

    list_events = ("PJSIPMaintenanceStatus",)
    list_complete = "PJSIPShowMaintenanceComplete"

    endpoint: Annotated[str | None, "Endpoint"] = None


class PJSIPShowRegistrationInboundContactStatuses(Action):
    """List the contact statuses of inbound registrations. Since Asterisk 14.3.0. A list
    action: ``ContactStatusDetail`` events, then ``ContactStatusDetailComplete``.
    """

    list_events = ("ContactStatusDetail",)
    list_complete = "ContactStatusDetailComplete"


class PJSIPShowRegistrationsInbound(Action):
    """List inbound registrations (AORs): ``InboundRegistrationDetail``. Since Asterisk 12.0.0.
    A list action: ``InboundRegistrationDetail`` events, then
    ``InboundRegistrationDetailComplete``.
    """

    list_events = ("InboundRegistrationDetail",)
    list_complete = "InboundRegistrationDetailComplete"


class PJSIPShowRegistrationsOutbound(Action):
    """List outbound registrations: ``OutboundRegistrationDetail``. Since Asterisk 12.0.0. A
    list action: ``OutboundRegistrationDetail``, ``AuthDetail`` events, then
    ``OutboundRegistrationDetailComplete``.
    """

    list_events = ("OutboundRegistrationDetail", "AuthDetail")
    list_complete = "OutboundRegistrationDetailComplete"


class PJSIPShowResourceLists(Action):
    """List PJSIP resource lists: ``ResourceListDetail`` events. Since Asterisk 13.0.0. A list
    action: ``ResourceListDetail`` events, then ``ResourceListDetailComplete``.
    """

    list_events = ("ResourceListDetail",)
    list_complete = "ResourceListDetailComplete"


class PJSIPShowSubscriptionsInbound(Action):
    """List inbound subscriptions: ``InboundSubscriptionDetail``. Since Asterisk 12.0.0. A list
    action: ``InboundSubscriptionDetail`` events, then
    ``InboundSubscriptionDetailComplete``.
    """

    list_events = ("InboundSubscriptionDetail",)
    list_complete = "InboundSubscriptionDetailComplete"


class PJSIPShowSubscriptionsOutbound(Action):
    """List outbound subscriptions: ``OutboundSubscriptionDetail``. Since Asterisk 12.0.0. A
    list action: ``OutboundSubscriptionDetail`` events, then
    ``OutboundSubscriptionDetailComplete``.
    """

    list_events = ("OutboundSubscriptionDetail",)
    list_complete = "OutboundSubscriptionDetailComplete"


class PJSIPUnregister(Action):
    """Unregister an outbound registration and stop re-registering. Since Asterisk 12.0.0."""

    registration: Annotated[str, "Registration"]
