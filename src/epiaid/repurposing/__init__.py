"""Drug repurposing."""
