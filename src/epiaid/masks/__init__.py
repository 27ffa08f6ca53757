"""Mask stock."""
