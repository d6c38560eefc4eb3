"""Relay connections with opaque keyset cursors, over SQL queries or in-memory lists."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from soda_tui.localhub.models import LocalHubError
from soda_tui.localhub.store import Store

MAX_PAGE_SIZE = 100
_CURSOR_PREFIX = "cursor:v2:"

T = TypeVar("T")
Key = tuple[Any, ...]


def encode_cursor(key: Sequence[Any]) -> str:
    """An opaque cursor for a position (the sort key of an item)."""
    raw = _CURSOR_PREFIX + json.dumps(list(key), separators=(",", ":"))
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


def decode_cursor(cursor: str, width: int) -> Key:
    """The sort key inside a cursor made by `encode_cursor`; GitHub-like error otherwise."""
    try:
        raw = base64.b64decode(cursor.encode("ascii"), validate=True).decode("utf-8")
        if raw.startswith(_CURSOR_PREFIX):
            values = json.loads(raw[len(_CURSOR_PREFIX) :])
            if (
                isinstance(values, list)
                and len(values) == width
                and all(isinstance(value, str | int | float) for value in values)
            ):
                return tuple(values)
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise LocalHubError(
        f"`{cursor}` does not appear to be a valid cursor.", error_type="INVALID_CURSOR_ARGUMENTS"
    )


@dataclass(frozen=True)
class PageArgs:
    """The pagination arguments of one connection field (cursors still encoded)."""

    first: int | None = None
    last: int | None = None
    after: str | None = None
    before: str | None = None


class Source(Protocol[T]):
    """Where a connection's items come from, in a fixed order defined by a sort key."""

    width: int

    def fetch(
        self, first: int | None, last: int | None, after: Key | None, before: Key | None
    ) -> list[tuple[Key, T]]:
        """Items strictly between the cursors, the first `first` and/or the last `last`."""
        ...

    def exists_beyond(self, key: Key, *, forward: bool, inclusive: bool) -> bool:
        """Whether an item lies after (forward) or before `key` in the order."""
        ...

    def count(self) -> int:
        """How many items there are in all."""
        ...


class SqlSource(Generic[T]):
    """A keyset-paginated SQL query: filtering, ordering and limits all happen in SQLite."""

    def __init__(
        self,
        store: Store,
        *,
        select: str,
        from_where: str,
        params: Sequence[Any],
        key_columns: Sequence[str],
        descending: bool,
        convert: Callable[[Any], T],
    ) -> None:
        self.store = store
        self.select = select
        self.from_where = from_where
        self.params = list(params)
        self.key_columns = list(key_columns)
        self.width = len(self.key_columns)
        self.descending = descending
        self.convert = convert

    def _compare(self, key: Key, *, forward: bool, inclusive: bool) -> tuple[str, list[Any]]:
        greater = forward != self.descending
        operator = (">" if greater else "<") + ("=" if inclusive else "")
        columns = ", ".join(self.key_columns)
        marks = ", ".join("?" for _ in key)
        return f"({columns}) {operator} ({marks})", list(key)

    def _order(self, *, reverse: bool) -> str:
        descending = self.descending != reverse
        return ", ".join(
            f"{column} {'DESC' if descending else 'ASC'}" for column in self.key_columns
        )

    def fetch(
        self, first: int | None, last: int | None, after: Key | None, before: Key | None
    ) -> list[tuple[Key, T]]:
        """See `Source.fetch`."""
        conditions: list[str] = []
        params = list(self.params)
        if after is not None:
            clause, values = self._compare(after, forward=True, inclusive=False)
            conditions.append(clause)
            params += values
        if before is not None:
            clause, values = self._compare(before, forward=False, inclusive=False)
            conditions.append(clause)
            params += values
        extra = "".join(f" AND {condition}" for condition in conditions)
        keys = ", ".join(f"{column} AS _k{index}" for index, column in enumerate(self.key_columns))
        from_end = first is None and last is not None
        limit = last if from_end else first
        order = self._order(reverse=from_end)
        sql = f"SELECT {self.select}, {keys} {self.from_where}{extra} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.store.all(sql, params)
        if from_end:
            rows.reverse()
        elif last is not None:
            rows = rows[-last:] if last else []
        return [
            (tuple(row[f"_k{i}"] for i in range(self.width)), self.convert(row)) for row in rows
        ]

    def exists_beyond(self, key: Key, *, forward: bool, inclusive: bool) -> bool:
        """See `Source.exists_beyond`."""
        clause, values = self._compare(key, forward=forward, inclusive=inclusive)
        sql = f"SELECT EXISTS (SELECT 1 {self.from_where} AND {clause})"
        return bool(self.store.scalar(sql, [*self.params, *values]))

    def count(self) -> int:
        """See `Source.count`."""
        return int(self.store.scalar(f"SELECT COUNT(*) {self.from_where}", self.params) or 0)


class ListSource(Generic[T]):
    """An in-memory list already in order, each item with its sort key (for git data)."""

    def __init__(
        self, items: Sequence[tuple[Key, T]], *, descending: bool = False, width: int = 1
    ) -> None:
        self.items = list(items)
        self.descending = descending
        self.width = width

    def _after(self, key: Key, other: Key) -> bool:
        return key < other if self.descending else key > other

    def fetch(
        self, first: int | None, last: int | None, after: Key | None, before: Key | None
    ) -> list[tuple[Key, T]]:
        """See `Source.fetch`."""
        window = [
            (key, item)
            for key, item in self.items
            if (after is None or self._after(key, after))
            and (before is None or self._after(before, key))
        ]
        if first is not None:
            window = window[:first]
        if last is not None:
            window = window[-last:] if last else []
        return window

    def exists_beyond(self, key: Key, *, forward: bool, inclusive: bool) -> bool:
        """See `Source.exists_beyond`."""
        for item_key, _ in self.items:
            if inclusive and item_key == key:
                return True
            if self._after(item_key, key) if forward else self._after(key, item_key):
                return True
        return False

    def count(self) -> int:
        """See `Source.count`."""
        return len(self.items)


def check_page_size(first: int | None, last: int | None, connection: str) -> None:
    """Refuse what GitHub refuses: neither first nor last, or a value outside 1..100."""
    if first is None and last is None:
        raise LocalHubError(
            "You must provide a `first` or `last` value to properly paginate the "
            f"`{connection}` connection.",
            error_type="MISSING_PAGINATION_BOUNDARIES",
        )
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 1 <= value <= MAX_PAGE_SIZE:
            raise LocalHubError(
                f"Requesting {value} records on the `{connection}` connection is outside the "
                f"allowed range: `{name}` must be between 1 and {MAX_PAGE_SIZE}.",
                error_type="EXCESSIVE_PAGINATION",
            )


class Connection(Generic[T]):
    """A GraphQL connection object: totalCount, nodes, edges and pageInfo, computed lazily."""

    def __init__(
        self, source: Source[T], args: PageArgs, wrap: Callable[[T], Any], name: str
    ) -> None:
        check_page_size(args.first, args.last, name)
        self.source = source
        self.args = args
        self.wrap = wrap
        self._after = None if args.after is None else decode_cursor(args.after, source.width)
        self._before = None if args.before is None else decode_cursor(args.before, source.width)
        self._page: list[tuple[Key, Any]] | None = None
        self._total: int | None = None

    def _items(self) -> list[tuple[Key, Any]]:
        if self._page is None:
            fetched = self.source.fetch(self.args.first, self.args.last, self._after, self._before)
            self._page = [(key, self.wrap(item)) for key, item in fetched]
        return self._page

    def total_count(self, info: Any) -> int:
        """All items matching the filters, regardless of pagination."""
        if self._total is None:
            self._total = self.source.count()
        return self._total

    def nodes(self, info: Any) -> list[Any]:
        """The items of this page."""
        return [node for _, node in self._items()]

    def edges(self, info: Any) -> list[dict[str, Any]]:
        """The items of this page with their cursors."""
        return [{"cursor": encode_cursor(key), "node": node} for key, node in self._items()]

    def page_info(self, info: Any) -> dict[str, Any]:
        """Cursors of the page ends and whether items exist beyond them."""
        items = self._items()
        if items:
            first_key, last_key = items[0][0], items[-1][0]
            has_previous = self.source.exists_beyond(first_key, forward=False, inclusive=False)
            has_next = self.source.exists_beyond(last_key, forward=True, inclusive=False)
            start, end = encode_cursor(first_key), encode_cursor(last_key)
        else:
            has_previous = self._after is not None and self.source.exists_beyond(
                self._after, forward=False, inclusive=True
            )
            has_next = self._before is not None and self.source.exists_beyond(
                self._before, forward=True, inclusive=True
            )
            start = end = None
        return {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": start,
            "endCursor": end,
        }


class EmptySource:
    """A connection that is always empty (assignees: localhub has no assignment)."""

    width = 1

    def fetch(
        self, first: int | None, last: int | None, after: Key | None, before: Key | None
    ) -> list[tuple[Key, Any]]:
        """Nothing."""
        return []

    def exists_beyond(self, key: Key, *, forward: bool, inclusive: bool) -> bool:
        """Nothing."""
        return False

    def count(self) -> int:
        """Nothing."""
        return 0
