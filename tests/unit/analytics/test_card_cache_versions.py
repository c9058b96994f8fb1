"""Concurrent requests share version reads, and never get a token read before they asked."""

from __future__ import annotations

import threading
import time

from wandr.card_cache import FreshRead


class Store:
    """A version token whose reads can be held open, counting them."""

    def __init__(self) -> None:
        self.value, self.reads = "v1", 0
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.fail = False

    def read(self) -> str:
        self.reads += 1
        value = self.value
        if not self.hold.is_set():
            self.holding.set()
            assert self.hold.wait(5)
        if self.fail:
            raise RuntimeError("GetItem failed")
        return value


def call_in_thread(read: FreshRead, out: list) -> threading.Thread:
    def run() -> None:
        try:
            out.append(read())
        except RuntimeError as exc:
            out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def waiting(read: FreshRead, count: int) -> None:
    """Until `count` callers wait on the read in flight."""
    deadline = time.monotonic() + 5
    while len(read._cond._waiters) < count:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_a_caller_never_gets_a_read_that_began_before_it_asked() -> None:
    store = Store()
    read = FreshRead(store.read)
    first: list = []
    a = call_in_thread(read, first)
    assert store.holding.wait(5)  # read 1 is in flight and has seen "v1"
    store.value = "v2"  # an upload replaces the token while read 1 is still out
    second: list = []
    b = call_in_thread(read, second)
    waiting(read, 1)
    store.hold.set()
    a.join(5)
    b.join(5)
    assert first == ["v1"] and second == ["v2"]
    assert store.reads == 2


def test_callers_that_arrive_during_one_read_share_the_next() -> None:
    store = Store()
    read = FreshRead(store.read)
    outs: list = []
    threads = [call_in_thread(read, outs)]
    assert store.holding.wait(5)
    store.value = "v2"
    threads += [call_in_thread(read, outs) for _ in range(20)]
    waiting(read, 20)
    store.hold.set()
    for thread in threads:
        thread.join(5)
    assert sorted(outs) == ["v1"] + ["v2"] * 20
    assert store.reads == 2  # 21 callers, two GetItems


def test_a_failed_read_fails_the_callers_that_needed_it_and_the_next_call_reads_again() -> None:
    store = Store()
    store.fail = True
    read = FreshRead(store.read)
    outs: list = []
    threads = [call_in_thread(read, outs)]
    assert store.holding.wait(5)
    threads.append(call_in_thread(read, outs))
    waiting(read, 1)
    store.hold.set()
    for thread in threads:
        thread.join(5)
    assert len(outs) == 2 and all(isinstance(o, RuntimeError) for o in outs)
    store.fail = False
    assert read() == "v1"
    assert store.reads == 3


def test_one_caller_alone_reads_every_time() -> None:
    store = Store()
    store.hold.set()
    read = FreshRead(store.read)
    assert [read() for _ in range(3)] == ["v1"] * 3
    store.value = "v2"
    assert read() == "v2"
    assert store.reads == 4
