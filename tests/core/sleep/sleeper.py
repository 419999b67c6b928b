"""Run the sleep job in a process of its own, for the kill tests: `python -m tests.core.sleep.sleeper
DB KEYHEX HOME [NOW]`. Prints "running" once the store is open and "done SECONDS" at the end."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from core.home import Home
from core.settings import Settings
from core.sleep.runner import run_sleep
from core.store import Store
from models.embedders import HashingEmbedder

BATCH = 4  # small batches: many commits, so a kill lands between and inside them


def main(argv: list[str]) -> int:
    db, key, home = Path(argv[0]), bytes.fromhex(argv[1]), Home.resolve(argv[2])
    now = datetime.fromisoformat(argv[3]) if len(argv) > 3 else None
    settings = Settings()
    settings.sleep.batch_size = BATCH
    with Store.open(db, key, HashingEmbedder(), cache_mb=16) as store:
        print("running", flush=True)
        start = time.perf_counter()
        run_sleep(store, settings, home=home, now=now)
        print(f"done {time.perf_counter() - start:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
