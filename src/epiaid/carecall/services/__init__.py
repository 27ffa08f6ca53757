"""The care call's public services. Other capabilities use only what is listed here.

``enrol_from_investigation(actor, *, case_number, contacts)`` is what the investigation calls.
"""

from epiaid.carecall.services.roster import (
    ImportReport,
    add_person,
    complete_details,
    enrol_from_investigation,
    import_roster,
    opt_out,
    record_consent,
    reveal_phone,
)

__all__ = [
    "ImportReport",
    "add_person",
    "complete_details",
    "enrol_from_investigation",
    "import_roster",
    "opt_out",
    "record_consent",
    "reveal_phone",
]
