"""Voice calls through TwiML webhooks: speech + keypad ("twilio") or keypad only ("keypad", DTMF).

``start`` places the call (Twilio's REST API when ``CARECALL_TWILIO_ACCOUNT_SID`` /
``CARECALL_TWILIO_AUTH_TOKEN`` / ``CARECALL_TWILIO_FROM`` are set; otherwise the call is left for a
simulator — the scripted callers and the benchmark — to drive the same webhooks). The provider then
requests ``/carecall/hooks/voice/<token>/``; each prompt is a ``<Gather input="speech dtmf">`` whose
``action`` carries the turn number, so a duplicate delivery of one turn is recognised; a ``<Redirect>``
after the gather reports silence. Every webhook's ``X-Twilio-Signature`` is checked (forged: 403).
"""

from __future__ import annotations

from typing import Any

from twilio.twiml.voice_response import Gather, VoiceResponse

from epiaid.carecall import config
from epiaid.carecall.engine.dialog import Prompt
from epiaid.carecall.services import calls, roster
from epiaid.carecall.services.access import SYSTEM
from epiaid.carecall.transports.base import StartOutcome, register

LANGUAGE = {"ko": "ko-KR", "en": "en-US"}


def hook_url(token: str, step: str = "") -> str:
    return f"{config.public_url()}/carecall/hooks/voice/{token}/{step + '/' if step else ''}"


def render(prompt: Prompt | None, token: str, *, turn: int, speech: bool) -> str:
    """TwiML for a prompt: a Gather that posts the answer, then a redirect that reports silence."""
    response = VoiceResponse()
    if prompt is None:
        response.hangup()
        return str(response)
    language = LANGUAGE.get(prompt.lang, "ko-KR")
    if prompt.final:
        response.say(prompt.text, language=language)
        response.hangup()
        return str(response)
    options: dict[str, Any] = {
        "input": "speech dtmf" if speech else "dtmf",
        "action": f"{hook_url(token, 'answer')}?turn={turn}",
        "method": "POST",
        "timeout": 6,
    }
    if speech:
        options.update(language=language, speech_timeout="auto")
        if prompt.grammar:
            options["hints"] = ", ".join(prompt.grammar[:100])
    if prompt.kind in ("yes_no", "confirm"):
        options["num_digits"] = 1
    else:
        options["finish_on_key"] = "#"
    gather = Gather(**options)
    gather.say(prompt.text, language=language)
    response.append(gather)
    response.redirect(f"{hook_url(token, 'answer')}?turn={turn}&silence=1", method="POST")
    return str(response)


class VoiceTransport:
    name = "twilio"
    speech = True

    def start(self, checkin: Any) -> StartOutcome:
        number = roster.number_to_dial(SYSTEM, checkin.person, channel=self.name)
        sid, token, sender = (
            str(config.get("CARECALL_TWILIO_ACCOUNT_SID", "")),
            config.twilio_auth_token(),
            str(config.get("CARECALL_TWILIO_FROM", "")),
        )
        ref = "simulated"
        if sid and token and sender:  # pragma: no cover - needs the provider
            from twilio.rest import Client

            call = Client(sid, token).calls.create(
                to=number,
                from_=sender,
                url=hook_url(checkin.token),
                status_callback=hook_url(checkin.token, "status"),
                timeout=30,
            )
            ref = str(call.sid)
        calls.mark_calling(SYSTEM, checkin, channel_ref=ref)
        return StartOutcome(True, channel_ref=ref)


class KeypadTransport(VoiceTransport):
    name = "keypad"
    speech = False


register(VoiceTransport())
register(KeypadTransport())
