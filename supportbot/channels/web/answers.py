"""Answers for the event loop: a cap on how many generate at once, and each answer run in a thread of its own.

A generator is synchronous and may hold thread-bound state for a whole answer (llama.cpp holds its
lock from the first token to the last), so one thread iterates a Reply from start to end and hands
the pieces to the event loop, rather than a thread pool calling `next()` from whichever thread is free.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.reply import Reply

log = logging.getLogger(__name__)


class AnswerSlots:
    """At most `running` answers at once; up to `waiting` more wait `max_wait` seconds for a slot; the rest are refused."""

    def __init__(self, running: int, waiting: int, max_wait: float) -> None:
        self.running = max(1, running)
        self.waiting = max(0, waiting)
        self.max_wait = max_wait
        self._semaphore = asyncio.Semaphore(self.running)
        self._queued = 0

    async def acquire(self) -> bool:
        """True once a slot is held (release it when the answer is done); False means 'busy'."""
        if not self._semaphore.locked():
            await self._semaphore.acquire()
            return True
        if self._queued >= self.waiting:
            return False
        self._queued += 1
        try:
            await asyncio.wait_for(self._semaphore.acquire(), self.max_wait)
            return True
        except TimeoutError:
            return False
        finally:
            self._queued -= 1

    def release(self) -> None:
        self._semaphore.release()


@dataclass
class _Failed:
    error: BaseException


_END = object()


class AnswerRun:
    """One answer in a worker thread: `start()` returns the Reply (or raises what `manager.reply` raised),
    then `pieces()` streams its text. `cancel()` stops it; what was said so far is stored as interrupted."""

    def __init__(self, manager: DialogueManager, channel: str, conversation_id: str, question: str) -> None:
        self._args = (channel, conversation_id, question)
        self._manager = manager
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._abandoned = threading.Event()
        self._reply: Reply | None = None
        self.finished = False

    def launch(self, executor: ThreadPoolExecutor, on_done) -> None:
        future = self._loop.run_in_executor(executor, self._produce)
        future.add_done_callback(lambda _: on_done())

    def _put(self, item: object) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the event loop has closed: nobody is reading any more
            self._abandoned.set()

    def _produce(self) -> None:
        try:
            reply = self._manager.reply(*self._args)
        except Exception as error:  # noqa: BLE001 - handed to the event loop, which answers with it
            self._put(_Failed(error))
            return
        self._reply = reply
        if self._abandoned.is_set():
            reply.cancel()
        self._put(reply)
        try:
            for piece in reply:  # a failing model is turned into the apology by Reply itself
                self._put(piece)
                if self._abandoned.is_set():
                    reply.cancel()
        except Exception as error:  # e.g. the store failing while keeping the answer
            log.exception("answer in conversation %s failed after it started", self._args[1])
            self._put(_Failed(error))
            return
        self._put(_END)

    async def _next(self) -> object:
        item = await self._queue.get()
        if isinstance(item, _Failed):
            self.finished = True
            raise item.error
        if item is _END:
            self.finished = True
        return item

    async def start(self) -> Reply:
        reply = await self._next()
        assert isinstance(reply, Reply)
        return reply

    async def next_piece(self) -> str | None:
        """The next piece of text, or None at the end (the answer is stored by then)."""
        item = await self._next()
        return None if item is _END else str(item)

    async def pieces(self) -> AsyncIterator[str]:
        while (piece := await self.next_piece()) is not None:
            yield piece

    def cancel(self) -> None:
        """The reader went away: stop generating (a no-op once the answer has ended)."""
        if self.finished:
            return
        self._abandoned.set()
        if self._reply is not None:
            self._reply.cancel()
