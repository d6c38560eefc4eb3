"""`soda-tui localhub`: run the embedded GitHub on its own until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from soda_tui.core.secrets import Secret
from soda_tui.localhub.faults import Faults
from soda_tui.settings.paths import Paths

TOKEN_ENV = "SODA_LOCALHUB_TOKEN"
DATA_DIR_ENV = "SODA_LOCALHUB_DATA_DIR"
DEFAULT_PORT = 8765


def default_data_dir() -> Path:
    """Where localhub keeps its data: `$SODA_LOCALHUB_DATA_DIR`, else soda-tui's data dir."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    return Paths.default().localhub_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `localhub` options to a (sub)parser."""
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"state directory (default: ${DATA_DIR_ENV} or the soda-tui data dir)",
    )
    parser.add_argument(
        "--token",
        default=None,
        help=f"token clients must send (default: ${TOKEN_ENV}, else one is generated)",
    )
    parser.add_argument("--login", default="soda-dev", help="login of the token's user")
    parser.add_argument(
        "--rate-limit", type=int, default=5000, help="GraphQL points per hour (default 5000)"
    )
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="delay added to every API and git request"
    )
    parser.add_argument(
        "--no-ci", action="store_true", help="do not run .localhub/ci scripts on PR pushes"
    )


def _resolve_token(given: str | None) -> tuple[Secret, bool]:
    """The token to serve with, and whether it was generated here."""
    if given:
        return Secret(given), False
    from_env = os.environ.get(TOKEN_ENV)
    if from_env:
        return Secret(from_env), False
    return Secret("lh_" + secrets.token_hex(20)), True


def run(args: argparse.Namespace) -> int:
    """Serve localhub until SIGINT or SIGTERM; 0 on a clean stop, 2 on a usage problem."""
    from soda_tui.localhub.server import LocalHub, LocalHubStartError

    if not 0 <= args.port <= 65535:
        print(f"localhub: --port must be 0..65535, got {args.port}", file=sys.stderr)
        return 2
    if args.rate_limit < 1 or args.latency_ms < 0:
        print(
            "localhub: --rate-limit must be 1 or more and --latency-ms 0 or more",
            file=sys.stderr,
        )
        return 2
    data_dir = args.data_dir if args.data_dir is not None else default_data_dir()
    token, generated = _resolve_token(args.token)
    hub = LocalHub(
        data_dir,
        token=token,
        login=args.login,
        port=args.port,
        rate_limit=args.rate_limit,
        faults=Faults(latency_ms=args.latency_ms),
        ci=not args.no_ci,
    )
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    previous = {
        signum: signal.signal(signum, request_stop) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        try:
            hub.start()
        except LocalHubStartError as error:
            print(f"localhub: {error}", file=sys.stderr)
            return 2
        if generated:
            # Printed once so the user can configure a client; it is never written anywhere.
            print(
                f"warning: no --token or ${TOKEN_ENV} given; generated token: {token.reveal()}",
                file=sys.stderr,
                flush=True,
            )
        print(f"localhub GraphQL: {hub.graphql_url}", flush=True)
        print(f"localhub git:     {hub.base_url}/OWNER/REPO.git", flush=True)
        print(f"localhub data:    {data_dir}", flush=True)
        print(f"login {args.login}; press Ctrl-C to stop", flush=True)
        # Waiting on an event with a timeout keeps the main thread responsive to signals.
        while not stop_requested.wait(0.5):
            pass
        print("localhub: stopping", flush=True)
        return 0
    finally:
        hub.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """Run `localhub` as a stand-alone program."""
    parser = argparse.ArgumentParser(prog="soda-tui localhub", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
