"""The web check-in page: a text with a link carrying the check-in's one-time token; the page (phone-
friendly, ko/en) asks the same questions as a call, one per screen. The link is dead once the
check-in has an outcome."""

from __future__ import annotations

from typing import Any

from epiaid.carecall import config
from epiaid.carecall.models import TextMessage
from epiaid.carecall.services import calls, roster
from epiaid.carecall.services.access import SYSTEM
from epiaid.carecall.transports.base import StartOutcome, register


def link(token: str) -> str:
    return f"{config.public_url()}/carecall/c/{token}/"


class WebTransport:
    name = "web"

    def start(self, checkin: Any) -> StartOutcome:
        roster.number_to_dial(SYSTEM, checkin.person, channel=self.name)
        calls.begin(SYSTEM, checkin.token)
        ko = checkin.person.lang == "ko"
        body = ("오늘의 능동감시 증상 확인: " if ko else "Your symptom check-in today: ") + link(checkin.token)
        message = TextMessage.objects.create(checkin=checkin, body=body)
        return StartOutcome(True, channel_ref=f"web:{message.pk}")


register(WebTransport())
