"""FAQ retrieval for the chatbot: Django-free (runs from the CLI, notebooks and the web app alike).

:mod:`.retrieval` is the public interface (``Entry``, ``Hit``, ``Result``, ``Retriever``, ``detect_lang``).
"""

from epiaid.chatbot.engine.retrieval import Entry, Hit, Result, Retriever, detect_lang

__all__ = ["Entry", "Hit", "Result", "Retriever", "detect_lang"]
