"""Chest X-ray triage."""
