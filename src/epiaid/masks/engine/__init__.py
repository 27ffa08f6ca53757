"""Mask-stock science and data code that runs without Django (read model, rationing, parsing)."""
