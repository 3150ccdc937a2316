"""Text as every screen reads it: one canonical form with a map back to the original."""
