"""The programmes capability's services (public: pages, API, CLI, jobs and the demo call only these).

Every function takes the acting :class:`~epiaid.core.actors.Actor` (or a user) first, checks its role
and the object, records what it did in the audit log, and adds decisions, payments and provisioning
to the hash-chained decision log (:mod:`.chain`).
"""

from epiaid.programmes.services import applications, chain, compute, config, ledger, review, vouchers
from epiaid.programmes.services.base import SYSTEM

__all__ = ["SYSTEM", "applications", "chain", "compute", "config", "ledger", "review", "vouchers"]
