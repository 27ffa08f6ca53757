"""The care call's clock: one tick a minute plans rounds, retries, call-backs, reports (see services/schedule.py)."""

from epiaid.carecall.jobs import TICK
from epiaid.core.jobs.scheduler import Schedule, register

register(Schedule("carecall.tick", "* * * * *", TICK))
