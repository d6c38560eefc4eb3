"""status: every configured repository's board from one GraphQL request, plus local facts."""

from __future__ import annotations

from dataclasses import dataclass

from soda_tui.core.clock import Clock
from soda_tui.core.models import RepoName
from soda_tui.github.client import GitHubClient
from soda_tui.github.operations import build_operation
from soda_tui.loop.board import RepoBoard, board_document, board_variables, parse_board
from soda_tui.telemetry.spans import traced

BATCH = 25  # repositories per request: keeps one request well under GitHub's cost and size limits


@dataclass(frozen=True)
class BoardSnapshot:
    """All repositories' boards and the budget after reading them."""

    boards: list[RepoBoard]
    remaining: int | None
    limit: int | None
    reset_at: str | None


@traced("board")
async def fetch_board(client: GitHubClient, repos: list[RepoName]) -> BoardSnapshot:
    """Read every repository's board: one request per 25 repositories."""
    boards: list[RepoBoard] = []
    rate: dict = {}
    for start in range(0, len(repos), BATCH):
        chunk = repos[start : start + BATCH]
        operation = build_operation("StatusBoard", board_document(len(chunk)))
        data = await client.execute_operation(operation, board_variables(chunk), allow_partial=True)
        boards.extend(parse_board(chunk, data))
        rate = data.get("rateLimit") or rate
    return BoardSnapshot(boards, rate.get("remaining"), rate.get("limit"), rate.get("resetAt"))


def board_line(board: RepoBoard, clock: Clock | None = None) -> str:
    """One plain line per repository for `soda-tui status`."""
    if not board.found:
        return f"{board.repo}: not found (check the name and that the token can read it)"
    parts = [f"queued {board.queued}", f"review {board.review}", f"blocked {board.blocked}"]
    if board.working:
        parts.insert(0, f"working #{board.working[0]} {board.working[1]}")
    for pull in board.agent_pulls:
        parts.append(f"PR #{pull.number} CI {(pull.checks or 'none').lower()}")
    return f"{board.repo}: " + ", ".join(parts)
