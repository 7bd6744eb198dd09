"""The one pager of numbered pages (the gallery, an area's page, the review queue): ``?page=N`` of
``per_page`` rows. The staff API pages by id instead (``after``, ``next_after``: rows keep their
place while others arrive), and the author's Douyin videos by Douyin's own ``cursor``."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Pager:
    """Page ``page`` (1-based) of ``total`` rows, ``per_page`` a page."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages (at least one, even when there are no rows)."""
        return max(1, ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        """Rows before this page (SQL ``OFFSET``)."""
        return (self.page - 1) * self.per_page

    def slice(self, rows: Sequence[T]) -> Sequence[T]:
        """This page's rows of all the ``rows``."""
        return rows[self.offset:self.offset + self.per_page]


def pager(total: int, page: int, per_page: int, *, clamp: bool = False) -> Pager:
    """The pager of ``page``; with ``clamp``, a page past either end becomes the first or the last."""
    if clamp:
        page = min(max(1, page), max(1, ceil(total / per_page)))
    return Pager(page=page, per_page=per_page, total=total)
