"""The dashboard's screens: grid, queue, logs, help and confirmation."""
