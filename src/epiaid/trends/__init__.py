"""Media and search trends."""
