"""Recovery: find work no live loop owns (orphaned branches, stale claims) and act on it safely."""
