"""RT-PCR assay design."""
