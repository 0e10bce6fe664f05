"""Rows from many tasks written together: each ``put`` waits for the write of the batch
its row joined, and rows that come while one batch is being written form the next. A
busy channel (thousands of SMS a second) then costs a few transactions a second, and a
quiet one (a call now and then) waits for nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Row = TypeVar("Row")
Result = TypeVar("Result")


class Batches(Generic[Row, Result]):
    def __init__(self, write: Callable[[list[Row]], Awaitable[Sequence[Result]]]) -> None:
        """``write`` gets a batch and returns one result per row, in order."""
        self._write = write
        self._rows: list[tuple[Row, asyncio.Future[Result]]] = []
        self._wake = asyncio.Event()

    async def put(self, row: Row) -> Result:
        result: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._rows.append((row, result))
        self._wake.set()
        return await result

    async def run(self) -> None:
        """Write batches until cancelled (run it as a task beside the ``put`` callers)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._rows = self._rows, []
            if not batch:
                continue
            try:
                results = await self._write([row for row, _ in batch])
            except Exception as error:
                for _, result in batch:
                    if not result.done():
                        result.set_exception(error)
                continue
            for (_, result), value in zip(batch, results, strict=True):
                if not result.done():
                    result.set_result(value)
