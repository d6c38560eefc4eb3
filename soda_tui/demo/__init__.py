"""The demo: localhub with seeded repositories and the demo agent, so the loop runs with no token."""
