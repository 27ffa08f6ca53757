"""Care call: the automated twice-daily symptom check of everyone under active monitoring."""
