"""Fuzzing: thousands of mutated archives never crash the import and never write to the store.

Two layers are mutated. Mutating the encrypted file exercises the age reader (every changed byte
must fail authentication, every cut must be seen); mutating the plaintext and sealing it again
(as someone who knows the passphrase could) exercises the tar, manifest, JSON and record checks.
A mutation may leave an archive valid (a changed tar timestamp): importing it must then change
nothing either, because the store already holds everything in it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ExpectedError
from core.memory import Link, LinkKind, Memory, MemoryType, Observation, Source, Trust
from tests.core.archive.helpers import (
    add_frames,
    canonical,
    do_import,
    export,
    open_store,
    plaintext,
    seal,
)
from tests.core.sleep.seed import NOW

CASES = 2000  # per layer


class Target:
    """A store that already holds the archive, and the archive's bytes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        source = open_store(folder / "source.db", os.urandom(32))
        obs = Observation(Source.CHAT, NOW, "I live in Porto. My cat is Mia.", Trust.USER)
        source.add_observation(obs)
        a = Memory(MemoryType.CORE, "I live in Porto.", sources=[obs.id], fields={"k": [1, "é"]})
        b = Memory(MemoryType.SEMANTIC, "My cat is Mia.", sources=[obs.id])
        source.add_memories([a, b])
        source.supersede(b.id, Memory(MemoryType.SEMANTIC, "My cat is called Mia."))
        source.add_links([Link(a.id, b.id, LinkKind.RELATED, created_by="test")])
        with source.write() as conn:
            conn.execute(
                "INSERT INTO segments (id, app, title, start, start_ts, end, end_ts, closed) "
                "VALUES ('s1', 'firefox', 'Porto', ?, ?, ?, ?, 1)",
                (NOW.isoformat(), NOW.timestamp(), NOW.isoformat(), NOW.timestamp()),
            )
        self.frames = folder / "frames"
        add_frames(source, self.frames, count=1)
        export(source, folder / "a.mnemo", self.frames, vault=True)
        source.close()
        self.archive = (folder / "a.mnemo").read_bytes()
        self.plain = plaintext(folder / "a.mnemo")
        self.store = open_store(folder / "target.db", os.urandom(32))
        do_import(self.store, folder / "a.mnemo", frames_dir=self.frames)
        self.store.checkpoint()
        self.content = canonical(self.store)
        self.files = self.snapshot()

    def snapshot(self) -> dict[str, str]:
        # The database and its WAL; `-shm` is SQLite's shared-memory index, rebuilt on every open.
        paths = [*self.folder.glob("target.db"), *self.folder.glob("target.db-wal")]
        paths += list(self.frames.rglob("*"))
        return {
            str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths) if p.is_file()
        }

    def attempt(self, data: bytes) -> str:
        """Import `data`: 'refused' (one-line message, store files untouched) or 'accepted'
        (the store's content unchanged); anything else (a crash) propagates."""
        path = self.folder / "mutant.mnemo"
        path.write_bytes(data)
        try:
            do_import(self.store, path, frames_dir=self.frames)
        except ExpectedError as exc:
            assert exc.message and "\n" not in exc.message
            assert self.snapshot() == self.files, "a refused archive changed the store"
            return "refused"
        assert canonical(self.store) == self.content, "an accepted mutant changed the store"
        self.files = self.snapshot()  # (its no-op transaction may have touched the WAL)
        return "accepted"


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    t = Target(tmp_path_factory.mktemp("fuzz"))
    yield t
    t.store.close()


def mutations(size: int) -> st.SearchStrategy[list[tuple[str, int, int]]]:
    op = st.tuples(
        st.sampled_from(["flip", "set", "cut", "drop", "insert"]),
        st.integers(0, max(0, size - 1)),
        st.integers(0, 255),
    )
    return st.lists(op, min_size=1, max_size=4)


def mutate(data: bytes, ops: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, at, value in ops:
        at = min(at, max(0, len(out) - 1))
        if not out:
            break
        if kind == "flip":
            out[at] ^= 1 << (value % 8)
        elif kind == "set":
            out[at] = value
        elif kind == "cut":
            del out[at:]
        elif kind == "drop":
            del out[at : at + 1 + value]
        else:
            out[at:at] = bytes([value]) * (1 + value % 7)
    return bytes(out)


FUZZ = settings(
    max_examples=CASES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data())
def test_mutated_ciphertext_never_crashes_or_writes(target: Target, data: st.DataObject) -> None:
    ops = data.draw(mutations(len(target.archive)))
    mutant = mutate(target.archive, ops)
    if mutant != target.archive:
        # Every changed byte of the ciphertext is caught by authentication.
        assert target.attempt(mutant) == "refused"


@FUZZ
@given(data=st.data())
def test_mutated_plaintext_never_crashes_or_writes(target: Target, data: st.DataObject) -> None:
    ops = data.draw(mutations(len(target.plain) - 1024))  # mostly inside the members
    mutant = mutate(target.plain, ops)
    outcome = target.attempt(seal(mutant, target.folder / "sealed.mnemo").read_bytes())
    assert outcome in ("refused", "accepted")
