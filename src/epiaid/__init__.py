"""epiaid: the AI and data systems an outbreak response team needs, in one package."""

__version__ = "0.1.0"
