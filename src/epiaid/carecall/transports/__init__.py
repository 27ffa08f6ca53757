"""Care-call channels behind one interface (see :mod:`epiaid.carecall.transports.base`)."""
