"""One interface for every channel a check-in goes out on: text/SMS, web page, keypad, TwiML voice, SIP.

A *check-in* (``epiaid.carecall.models.CheckIn``) is one attempt to reach one person in one round
(person × round × attempt: the durable job's idempotency key). The scheduler's job picks the
person's channel and calls ``transport.start(checkin)``; what happens next depends on the channel:

**Webhook channels** (text/SMS, web page, TwiML voice) are stateless between requests. ``start``
sends the first contact (an SMS with the first question, a link with a one-time token, or a call
whose TwiML URL carries the check-in token). Every reply arrives as an HTTP request that the view
passes to the services, never touching the session itself::

    from epiaid.carecall.services import calls
    prompt = calls.respond(actor, token, text=..., digits=..., delivery_id=...)  # next Prompt or None

``respond`` restores the :class:`~epiaid.carecall.engine.dialog.Session` from the check-in row,
applies the answer, stores the new state and the outcome (escalations fire here, at once), and
is idempotent per ``delivery_id`` (a duplicate webhook delivery gets the same prompt back, and the
answer is not applied twice). The view renders the prompt: SMS text, TwiML ``<Gather>``, HTML.

**Synchronous channels** (SIP, keypad/text simulators, the scripted callers) hold the call in
one process and use :func:`drive`, giving it a function that says a prompt and returns what was
heard (:class:`Reply`) or None for a hang-up; :func:`calls.run_call` wraps it with the same
storage and escalation as the webhooks::

    outcome = calls.run_call(actor, checkin, ask=my_ask, channel="sip")

Everything channel-specific (dialling, audio, XML) stays in the transport; everything the call
decides stays in the dialog engine and the services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from epiaid.carecall.engine.dialog import CallResult, Prompt, Session


@dataclass(frozen=True)
class Reply:
    """What the person did at a prompt: speech or typed ``text``, keypad ``digits``, or nothing (silence)."""

    text: str | None = None
    digits: str | None = None


@dataclass
class StartOutcome:
    """What ``start`` did: whether the person was reached, and the channel's own reference."""

    reached: bool
    channel_ref: str = ""  # SMS id, call SID, page token …
    detail: str = ""
    result: CallResult | None = None  # set by synchronous transports that ran the whole call


@runtime_checkable
class Transport(Protocol):
    """A channel. ``name`` is stored on the check-in ("text", "web", "keypad", "twilio", "sip")."""

    name: str

    def start(self, checkin: Any) -> StartOutcome:
        """Begin the check-in: send the first message, place the call, or (synchronous) run it whole."""
        ...


Ask = Callable[[Prompt], Reply | None]


def drive(session: Session, ask: Ask, *, say_final: Callable[[Prompt], None] | None = None) -> CallResult:
    """Run a whole call: ask each prompt, apply each reply, stop at the goodbye or a hang-up (``None``).

    ``say_final`` speaks the goodbye (which expects no answer); by default it is not said.
    """
    while (prompt := session.prompt()) is not None:
        if prompt.final:
            if say_final is not None:
                say_final(prompt)
            session.close()
            break
        reply = ask(prompt)
        if reply is None:
            session.hangup()
            break
        session.answer(text=reply.text, digits=reply.digits)
    return session.result


TRANSPORTS: dict[str, Transport] = {}


def register(transport: Transport) -> Transport:
    """Make a channel available by name (the voice stack registers "sip" the same way)."""
    TRANSPORTS[transport.name] = transport
    return transport


def get(name: str) -> Transport:
    if name not in TRANSPORTS:
        from epiaid.core.errors import BadInput

        raise BadInput(f"unknown care-call channel {name!r}; known: {sorted(TRANSPORTS)}", code="unknown_channel")
    return TRANSPORTS[name]
