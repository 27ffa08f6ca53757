"""Public services of the chatbot: conversations (public side, ``Actor.system("chatbot")``), the
knowledge base and the staff queue (staff actors). api.py, views.py, cli.py and the webhook call only these."""

from __future__ import annotations

from epiaid.core.actors import Actor

from .conversation import Reply, feedback, handle_message, history, poll
from .knowledge import ImportFileError, ImportReport, entry_dict, get_entry, import_faq, list_entries, save_entry
from .messenger import parse_skill_request, skill_response
from .queue import answer_question, dismiss_question, gap_report, get_question, list_queue, mask, promote

#: The public side of every channel acts as this system actor.
CHATBOT = Actor.system("chatbot")

__all__ = [
    "CHATBOT",
    "ImportFileError",
    "ImportReport",
    "Reply",
    "answer_question",
    "dismiss_question",
    "entry_dict",
    "feedback",
    "gap_report",
    "get_entry",
    "get_question",
    "handle_message",
    "history",
    "import_faq",
    "list_entries",
    "list_queue",
    "mask",
    "parse_skill_request",
    "poll",
    "promote",
    "save_entry",
    "skill_response",
]
