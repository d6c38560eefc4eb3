"""An agent that prints a flood (50 MB without a newline, many lines) cannot grow our memory."""

from __future__ import annotations

import os
import sys
import tracemalloc
from pathlib import Path

from soda_tui.agents.events import AgentEvent, LogLine
from soda_tui.agents.presets import AgentLaunchSpec, build_launch
from soda_tui.agents.prompt import IssueContext, write_prompt_file
from soda_tui.agents.runner import AgentRunner

MIB = 1024 * 1024
READ_LINE_LIMIT = 4 * MIB
FLOOD = """\
import sys
out = sys.stdout.buffer
chunk = b"x" * (1024 * 1024)
for _ in range(50):
    out.write(chunk)
out.write(b"\\n")
for index in range(1, 200001):
    out.write(b"line %d of the flood\\n" % index)
out.flush()
sys.stderr.buffer.write(b"bad bytes: \\xff\\n")
"""


async def test_flood_keeps_memory_bounded_and_the_log_complete(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    script = tmp_path / "flood.py"
    script.write_text(FLOOD, encoding="utf-8")
    ctx = IssueContext(repo="acme/api", number=1, title="Flood", branch="agent001/1-flood")
    prompt_file = write_prompt_file(ctx, tmp_path / "run")
    launch = build_launch(
        AgentLaunchSpec(preset="custom", command=(sys.executable, str(script))),
        ctx,
        prompt_file,
        workspace,
        base_env=os.environ,
    )
    log_path = tmp_path / "run" / "agent.log"
    seen = {"lines": 0, "longest": 0}

    def count(event: AgentEvent) -> None:
        # Count rather than keep: the test itself must not hold the flood either.
        if isinstance(event, LogLine):
            seen["lines"] += 1
            seen["longest"] = max(seen["longest"], len(event.text))

    runner = AgentRunner(
        launch,
        workspace=workspace,
        log_path=log_path,
        timeout_s=300,
        stall_s=120,
        on_event=count,
        max_line_bytes=64 * 1024,
        buffer_lines=2000,
        read_line_limit=READ_LINE_LIMIT,
    )
    tracemalloc.start()
    try:
        result = await runner.run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.outcome == "succeeded"
    # The ring holds at most 2000 lines of at most 64 KiB (plus the cut marker).
    assert len(runner.buffer) == 2000
    assert all(len(line.encode()) <= 64 * 1024 + 64 for line in runner.buffer.lines())
    assert seen["longest"] <= 64 * 1024 + 64
    assert seen["lines"] >= 200_000 + 13  # the big line came out in 4 MiB pieces
    # stdout and stderr are separate pipes: their relative order at the end is not fixed.
    assert sorted(runner.buffer.tail(2)) == ["bad bytes: \ufffd", "line 200000 of the flood"]
    # The agent printed over 53 MB; we held a few read-line limits of it at most, whatever
    # the size of the output (a handful of 4 MiB copies of one piece: bytes, text, redacted).
    assert peak < 8 * READ_LINE_LIMIT
    # The log file has everything: every x of the long line and every short line.
    assert log_path.stat().st_size > 50 * MIB + 200_000 * 20
    x_count = 0
    short_lines = 0
    with log_path.open(encoding="utf-8") as log:
        for line in log:
            if line.startswith("x"):
                x_count += len(line.rstrip("\n"))
            elif line.startswith("line "):
                short_lines += 1
    assert x_count == 50 * MIB
    assert short_lines == 200_000
