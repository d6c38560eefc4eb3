"""The headless front end: the only writer to stdout for subcommands (plain text and --json)."""
