"""The investigation workflow as plain functions: open → request → approve → deliver → analyse.

Every function takes the acting user or :class:`~epiaid.core.actors.Actor` (and, from a web request,
the request for the audit trail). The safeguards live here, not in views, so the API, the console,
the CLI and tests all pass the same checks: role, purpose binding (assigned investigators only), the
approver's authority for the source, the provider named in the request, the approved window, and the
retention deadline. Every refusal is audited before it is raised.

- :mod:`.workflow` — opening, access, requests and decisions;
- :mod:`.delivery` — a provider's delivery, validated whole;
- :mod:`.analysis` — path, stays, contacts, chains, hotspots, likely sources;
- :mod:`.handoffs` — proposing stays for the public map (health staff review, then the situation
  map publishes), enrolling contacts in the care call;
- :mod:`.retention` — deletion at the deadline, with proof.
"""

from __future__ import annotations

from epiaid.investigation.services.analysis import (
    MIN_TRAINING_LINKS,
    case_contact_chains,
    case_contacts,
    case_hotspots,
    case_path,
    case_staypoints,
    contacts_csv,
    likely_sources,
)
from epiaid.investigation.services.common import (
    KST,
    LOOKBACK_DAYS,
    RETENTION_DAYS,
    TARGET,
    BadInput,
    Forbidden,
    NotReady,
    WorkflowError,
    default_window,
    store_root,
)
from epiaid.investigation.services.delivery import (
    FORMATS,
    DropFolderAdapter,
    deliver,
    deliveries_for,
    ingest,
    provider_requests,
)
from epiaid.investigation.services.handoffs import (
    enrol_contacts,
    publication_by_id,
    publications_for_review,
    publications_of,
    publish_visits,
    review_publication,
)
from epiaid.investigation.services.retention import (
    end_outbreak,
    purge_expired,
)
from epiaid.investigation.services.workflow import (
    approvals_for,
    authorities_of,
    case_exists,
    decide,
    get_for_investigator,
    investigations_of,
    investigator_accounts,
    involvement,
    is_assigned,
    list_investigations,
    open_investigation,
    pending_for_approver,
    request_by_id,
    request_data,
    view_investigation,
    work_list,
)

__all__ = [
    "FORMATS",
    "KST",
    "LOOKBACK_DAYS",
    "MIN_TRAINING_LINKS",
    "RETENTION_DAYS",
    "TARGET",
    "BadInput",
    "DropFolderAdapter",
    "Forbidden",
    "NotReady",
    "WorkflowError",
    "approvals_for",
    "authorities_of",
    "case_contact_chains",
    "case_contacts",
    "case_exists",
    "case_hotspots",
    "case_path",
    "case_staypoints",
    "contacts_csv",
    "decide",
    "default_window",
    "deliver",
    "deliveries_for",
    "end_outbreak",
    "enrol_contacts",
    "get_for_investigator",
    "ingest",
    "investigations_of",
    "investigator_accounts",
    "involvement",
    "is_assigned",
    "likely_sources",
    "list_investigations",
    "open_investigation",
    "pending_for_approver",
    "provider_requests",
    "publication_by_id",
    "publications_for_review",
    "publications_of",
    "publish_visits",
    "purge_expired",
    "request_by_id",
    "request_data",
    "review_publication",
    "store_root",
    "view_investigation",
    "work_list",
]
