"""`mnemo tour`: a short guided tour on bundled sample data, in a throwaway profile.

It shows what Mnemo does end to end without touching the user's own store: it creates an encrypted
store in a temporary folder, imports a sample chat by the rule path, and answers a few questions
with cited memories (each result names the chat line it came from).
"""

from __future__ import annotations

import secrets
import tempfile
from importlib import resources
from pathlib import Path
from typing import TextIO

from core.chats import import_chats
from core.home import Home
from core.pipeline.rules import SpeakerRoles
from core.profile import init_store
from core.retrieval import Retriever
from core.settings import Settings
from models.embedders import HashingEmbedder

QUESTIONS = [
    "who is my dentist",
    "what did we agree with Priya about onboarding",
    "how do I restart the staging server",
    "when did I go climbing with Jonas",
    "where is the onboarding spec",
]


def run_tour(out: TextIO) -> int:
    sample = resources.files("resources").joinpath("sample/chats.jsonl")
    with (
        tempfile.TemporaryDirectory(prefix="mnemo-tour-") as tmp,
        resources.as_file(sample) as path,
    ):
        home = Home.resolve(tmp)
        settings = Settings()
        secret = secrets.token_urlsafe(16)
        out.write("Mnemo tour\n==========\n\n")
        out.write(f"1. Creating an encrypted store in {home.data_dir}\n")
        out.write(
            "   (SQLCipher database; its random key is wrapped by a throwaway passphrase)\n\n"
        )
        store = init_store(home, settings, HashingEmbedder(), lambda: secret, None, "passphrase")
        try:
            roles = SpeakerRoles.of(settings.chat.user_names, settings.chat.assistant_names)
            report = import_chats(store, Path(path), roles)
            out.write(f"2. Importing a sample chat ({report.lines} lines, no model needed)\n")
            kinds = ", ".join(f"{n} {t}" for t, n in sorted(report.by_type.items()))
            out.write(f"   -> {report.memories_added} memories: {kinds}\n\n")
            out.write("3. Asking questions; every answer cites the chat line it came from\n")
            retriever = Retriever(store, settings.retrieval)
            for question in QUESTIONS:
                out.write(f"\n   Q: {question}\n")
                for hit in retriever.search(question, k=2):
                    observations = store.observations(hit.memory.sources)
                    cited = ", ".join(
                        f"{o.external_id} ({o.speaker}, {o.time:%Y-%m-%d})"
                        for o in observations.values()
                    )
                    text = hit.memory.text if hit.memory.type != "vault" else "[vault: hidden]"
                    out.write(f"   - [{hit.memory.type}] {text}\n     cited: {cited}\n")
            out.write(
                "\nThat was a throwaway store; it is deleted now. To start your own:\n"
                "   mnemo init && mnemo import chats YOUR_CHATS.jsonl && mnemo search 'a question'\n"
            )
        finally:
            store.close()
    return 0
