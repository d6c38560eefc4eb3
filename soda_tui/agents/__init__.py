"""Running coding agents: launch presets, prompts, environment, output parsing and the runner."""
