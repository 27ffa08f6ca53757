"""SMS-style text: the first question goes out as a message; each reply ("1", "네", "37.8") comes back
through the text webhook (``/carecall/hooks/text/``, Twilio's SMS format and signature) and is answered
with the next question. Outgoing messages are kept in an outbox (:class:`TextMessage`) that the SMS
gateway — or a test — reads."""

from __future__ import annotations

from typing import Any

from epiaid.carecall.engine.dialog import Prompt
from epiaid.carecall.models import TextMessage
from epiaid.carecall.services import calls, roster
from epiaid.carecall.services.access import SYSTEM
from epiaid.carecall.transports.base import StartOutcome, register


def render(prompt: Prompt | None) -> str:
    return "" if prompt is None else prompt.text


class TextTransport:
    name = "text"

    def start(self, checkin: Any) -> StartOutcome:
        roster.number_to_dial(SYSTEM, checkin.person, channel=self.name)
        prompt = calls.begin(SYSTEM, checkin.token)
        message = TextMessage.objects.create(checkin=checkin, body=render(prompt))
        return StartOutcome(True, channel_ref=f"text:{message.pk}")


register(TextTransport())
