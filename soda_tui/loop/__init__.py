"""The loop's actions (peek, pop, run, bottle, land, status, init), shared by CLI and dashboard."""
