"""Situation map."""
