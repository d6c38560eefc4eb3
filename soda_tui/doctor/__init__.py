"""doctor: check everything soda-tui depends on and say how to fix each failure in one line."""
