"""Global node ids: GitHub-like prefixes (`I_`, `PR_`, `LA_`…) over an opaque, stable payload."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

PREFIXES: dict[str, str] = {
    "User": "U_",
    "Repository": "R_",
    "Issue": "I_",
    "PullRequest": "PR_",
    "Label": "LA_",
    "IssueComment": "IC_",
    "PullRequestReview": "PRR_",
    "Ref": "REF_",
    "Commit": "C_",
    "StatusContext": "SC_",
    "StatusCheckRollup": "SCR_",
    "PullRequestCommit": "PURC_",
    "Comparison": "CMP_",
}
_TYPES_BY_PREFIX = {prefix: type_name for type_name, prefix in PREFIXES.items()}
# The payload names its type too, so an id cut and pasted under another prefix is rejected.
_SEPARATOR = ":"


@dataclass(frozen=True)
class NodeRef:
    """A decoded node id: the GraphQL type and the parts that locate the object."""

    type_name: str
    parts: tuple[str, ...]

    def int_part(self, index: int = 0) -> int:
        """Part `index` as an integer (database ids)."""
        return int(self.parts[index])


def encode_node_id(type_name: str, *parts: int | str) -> str:
    """The global id of an object of `type_name` located by `parts`."""
    payload = _SEPARATOR.join([type_name, *(str(part) for part in parts)])
    encoded = base64.urlsafe_b64encode(payload.encode("utf-8")).decode("ascii").rstrip("=")
    return PREFIXES[type_name] + encoded


def decode_node_id(node_id: str) -> NodeRef | None:
    """Decode an id made by `encode_node_id`; None when it is not one of ours."""
    prefix, sep, encoded = node_id.partition("_")
    type_name = _TYPES_BY_PREFIX.get(prefix + "_") if sep else None
    if type_name is None or not encoded:
        return None
    try:
        padded = encoded + "=" * (-len(encoded) % 4)
        payload = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    # Ref names may not contain ':' (git forbids it), so a bounded split is exact.
    name, *parts = payload.split(_SEPARATOR, 2 if type_name in ("Ref", "Commit") else -1)
    if name != type_name or not parts:
        return None
    return NodeRef(type_name, tuple(parts))
