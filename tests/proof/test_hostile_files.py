"""Hostile files and floods: paths aimed outside soda-tui's directories, a corrupt journal in front
of every subcommand, and an agent that prints 100 MB while memory stays bounded."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from soda_tui.localhub import LocalHub
from tests.proof.support import (
    CliWorld,
    assert_landed_once,
    make_cli_world,
    one_line,
)


@pytest.fixture
def hub(localhub_factory: Callable[..., LocalHub]) -> LocalHub:
    return localhub_factory(ci=False)


def _ok(world: CliWorld, *args: str) -> str:
    result = world.soda(*args)
    assert result.returncode == 0, f"{args}: {result.returncode}\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ('[paths]\ndata_dir = "relative-data"\n', "data_dir"),
        ('[paths]\nstate_dir = "./relative-state"\n', "state_dir"),
        ('[[repos]]\nname = "acme/.."\n', "'..'"),
        ('[[repos]]\nname = "../../etc/passwd"\n', "../../etc/passwd"),
    ],
    ids=["relative-data-dir", "relative-state-dir", "dot-dot-repo", "path-as-repo"],
)
def test_a_config_that_aims_paths_elsewhere_is_refused_with_one_line(
    hub: LocalHub, hub_token: str, tmp_path: Path, section: str, problem: str
) -> None:
    world = make_cli_world(hub, hub_token, tmp_path, "acme/paths")
    world.config.write_text(world.config.read_text(encoding="utf-8") + "\n" + section)
    before = _outside_home(world)
    result = world.soda("pop")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert str(world.config) in line and problem in line, line
    # Nothing was made anywhere but soda-tui's own home (where its traces go).
    assert _outside_home(world) == before
    assert not list(tmp_path.rglob("relative-*"))
    assert not (world.paths.workspaces_dir).exists()


def _outside_home(world: CliWorld) -> list[Path]:
    return sorted(path for path in world.root.rglob("*") if not path.is_relative_to(world.home))


def test_a_symlink_out_of_the_workspaces_is_refused_before_the_claim_and_pop_works_after(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = make_cli_world(hub, hub_token, tmp_path, "acme/linked")
    number = world.create_issue("Follow no links")
    outside = tmp_path / "outside"
    outside.mkdir()
    world.paths.workspaces_dir.mkdir(parents=True)
    (world.paths.workspaces_dir / "acme").symlink_to(outside, target_is_directory=True)

    refused = world.soda("pop")
    assert refused.returncode == 2
    assert "outside" in one_line(refused.stderr) and "symbolic link" in refused.stderr
    assert list(outside.iterdir()) == []
    assert world.view().issue(number)["labels"] == {"route:ready"}  # refused before the claim

    (world.paths.workspaces_dir / "acme").unlink()
    assert "popped" in _ok(world, "pop")
    assert (world.workspace / ".git").is_dir()
    assert list(outside.iterdir()) == []


def test_a_journal_symlinked_out_of_the_state_dir_is_never_written(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = make_cli_world(hub, hub_token, tmp_path, "acme/jlink")
    world.create_issue("Keep the journal home")
    target = tmp_path / "precious.json"
    target.write_text("precious", encoding="utf-8")
    world.journal_file.parent.mkdir(parents=True)
    world.journal_file.symlink_to(target)
    for command in ("pop", "worker"):
        result = world.soda(command, *(["--ticks", "1"] if command == "worker" else []))
        assert result.returncode in (2, 3), result
        assert "outside" in one_line(result.stderr)
    assert target.read_text(encoding="utf-8") == "precious"
    assert world.view().issue(1)["labels"] == {"route:ready"}


GARBAGE: dict[str, bytes] = {
    "pop": b"\x00\xff\xfe not even text \x80",
    "run": b'{"version": 1, "active": {"action": "run", "issue_',
    "bottle": b'["a list", "not an object"]',
    "land": b'{"version": 99, "active": null, "history": []}',
    "worker": b'{"version": 1, "active": {"action": "", "issue_number": "x"}, "history": []}',
}


def test_a_corrupt_journal_stops_each_subcommand_clearly_and_is_moved_aside(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = make_cli_world(hub, hub_token, tmp_path, "acme/corrupt")
    number = world.create_issue("Survive a bad journal")
    _ok(world, "pop")
    for count, (command, garbage) in enumerate(GARBAGE.items(), start=1):
        world.journal_file.write_bytes(garbage)
        args = [command, *(["--ticks", "1"] if command == "worker" else [])]
        result = world.soda(*args)
        if command == "worker":
            # The worker serves several repositories: a damaged journal stops only this one,
            # reported on its output line, and the worker itself carries on.
            assert result.returncode == 0, (command, result.stdout, result.stderr)
            line = next(line for line in result.stdout.splitlines() if "journal" in line)
            assert "acme/corrupt: !" in line
        else:
            assert result.returncode == 3, (command, result.stdout, result.stderr)
            line = one_line(result.stderr)
        assert "journal" in line and "moved aside" in line, line
        assert not world.journal_file.exists()
        moved = sorted(world.journal_file.parent.glob(f"{world.journal_file.name}.corrupt-*"))
        assert len(moved) == count
        assert garbage in [path.read_bytes() for path in moved]
        assert world.view().issue(number)["labels"] == {"agent001"}  # GitHub untouched

    # GitHub is the truth: the loop carries on from it, and pop works again afterwards.
    _ok(world, "worker", "--ticks", "1")
    assert_landed_once(world.view(), number)
    second = world.create_issue("And the next one")
    assert f"#{second}" in _ok(world, "pop")


LOUD_AGENT = """#!/usr/bin/env bash
set -e
if [ "$SODA_ISSUE_TITLE" = "Loud" ]; then
  # 50 MB in 1 KB lines, then 50 MB with no newline at all.
  {python} -c "import sys; line = b'x' * 1023 + b'\\n'; [sys.stdout.buffer.write(line) for _ in range(51200)]"
  head -c 52428800 /dev/zero | tr '\\0' y
  echo
else
  echo "a quiet run"
fi
echo "$SODA_ISSUE_TITLE" > "result-$SODA_ISSUE_NUMBER.txt"
git add . && git -c user.name=a -c user.email=agent@proof.invalid commit -qm "work"
"""
PEAK_PROGRAM = """
import os, sys
from soda_tui.cli import main
code = main(sys.argv[1:])
with open('/proc/self/status', encoding='ascii') as status:
    peak = next(line.split()[1] for line in status if line.startswith('VmHWM:'))
with open(os.environ['PROOF_PEAK_FILE'], 'w', encoding='ascii') as out:
    out.write(peak)
sys.exit(code)
"""


def _peak_rss_kib(world: CliWorld, *args: str) -> tuple[int, subprocess.CompletedProcess[str]]:
    """Run a subcommand and return the peak resident memory of the soda process alone."""
    peak_file = world.root / "peak.txt"
    result = subprocess.run(
        [sys.executable, "-c", PEAK_PROGRAM, *args],
        capture_output=True,
        text=True,
        env={**world.env, "PROOF_PEAK_FILE": str(peak_file)},
        cwd=world.root,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return int(peak_file.read_text(encoding="ascii")), result


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_an_agent_that_prints_100_mb_leaves_the_soda_process_memory_bounded(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    script = tmp_path / "loud-agent.sh"
    script.write_text(LOUD_AGENT.format(python=sys.executable), encoding="utf-8")
    script.chmod(0o755)
    world = make_cli_world(
        hub, hub_token, tmp_path, "acme/loud", agent=f'{{ command = ["{script}"] }}'
    )
    # Claimed the way My Little Soda leaves them, so `run --issue` can take each in turn.
    quiet = world.create_issue("Quiet", labels=("agent001",))
    loud = world.create_issue("Loud", labels=("agent001",))

    quiet_peak, _ = _peak_rss_kib(world, "run", "--quiet", "--json", "--issue", str(quiet))
    loud_peak, result = _peak_rss_kib(world, "run", "--quiet", "--json", "--issue", str(loud))
    report = json.loads(result.stdout)
    assert report["ok"] and report["commits_ahead"] == 1
    log = Path(report["log"])
    assert log.stat().st_size > 100_000_000  # the whole flood went to the run log on disk
    # Holding the output would cost well over 100 MB. What it does cost is bounded by the
    # runner's 8 MB line-piece limit, not by the output: the 50 MB of lines add about 3 MB and
    # the 50 MB without a newline about 40 MB (a few transient copies of one 8 MB piece).
    assert loud_peak - quiet_peak < 64 * 1024, (quiet_peak, loud_peak)
