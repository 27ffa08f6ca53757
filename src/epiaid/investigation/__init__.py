"""Epidemiological investigation."""
