"""Sleep benchmark: the full nightly sleep job (rule path, no model) over 10k and 100k memories.

For each size N (default 10k and 100k) a child process of this script builds a fresh encrypted
store (SQLCipher, random 256-bit key, `HashingEmbedder`) in a temporary profile folder and fills it
with what months of the rule pipeline leave behind, from a seeded generator:

* N memories over N/1000 days (at least 10) ending yesterday: about 40% episodic (dated during
  their day), 35% semantic, 10% core (half of them slot facts `fields["slot"]`, 5% of those a
  second, conflicting value kept side by side), 10% resource, 3% procedural, 1% vault; recorded
  over the period, each from one chat or screen observation, with `fields["entities"]` as the
  rule extractor finds them; about 5% exact duplicates (the same text again, later) and 5% near
  duplicates (one change that keeps the content words: a plural, "really", "actually", a clause
  moved to the front, a trailing "too"); a few percent recalled, a few pinned;
* chat turns that taught nothing (questions and replies) and a few closed screen segments per day,
  each with its observation (rows in `segments`, as the recorder leaves them).

Sentences combine 2,000 people (each with their own surname), cities, venues, objects, topics,
organisations and numbers, so unrelated memories seldom pass the near-duplicate test; the table
counts the merges that joined a planted pair and those that joined anything else. Seeding runs in
big batches, one write transaction each; its time is printed but not counted.

Then it times `run_sleep(store, Settings(), home=..., now=today 12:00 UTC)` (every phase, no
model: the rule path) with the per-phase times from the run's report and the wall time around the
call, and a second run at the same `now`, which should find almost nothing to do. Each size runs
in its own process so the peak memory (RSS) of one does not hide in the other's.

It prints one row per phase with a column per size and the ratio largest/smallest, the key counts
(clusters merged against those planted, days and weeks summarised, memories faded, links by kind)
and a verdict: the largest size under 60 s when it is 100k or more, and growth at most 1.5 times
the size ratio (15x from 10k to 100k). Timings never assert; the script exits 0 unless it crashes.
Everything lives in temporary folders removed at the end.

    python bench/sleep_bench.py                       # 10k and 100k (a few minutes on 2 cores)
    python bench/sleep_bench.py --sizes 300 3000      # a smoke run
    python bench/sleep_bench.py --sizes 20000 --json
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.home import Home
from core.memory import Memory, MemoryType, Observation, Source, Trust, normalize_text
from core.pipeline import rules
from core.settings import Settings
from core.sleep.common import PHASES
from core.sleep.runner import SleepReport, run_sleep
from core.store import Store
from models.embedders import HashingEmbedder

TARGET_SECONDS = 60.0  # the full sleep over 100k memories
TARGET_SIZE = 100_000
TARGET_GROWTH = 1.5  # time ratio at most 1.5x the size ratio (15x from 10k to 100k)
PER_DAY = 1000  # memories per day of history
MIN_DAYS = 10
BATCH = 2000  # memories (with their observations) per write transaction while seeding
RESULT = "SLEEP-BENCH-RESULT "  # prefix of the child's result line on stdout

SHARE_EXACT = 0.05
SHARE_NEAR = 0.05
SHARE_RECALLED = 0.03
SHARE_PINNED = 0.005
SHARE_SCREEN = 0.3  # memories whose observation came from the screen
SHARE_SLOT = 0.5  # of core memories
SHARE_CONFLICT = 0.05  # of slot facts: a second value for a key already used
CHATS_PER_MEMORY = 0.25  # chat turns that taught nothing
SEGMENTS_PER_DAY = (6, 10)

TYPE_MIX = (
    (MemoryType.EPISODIC, 0.40),
    (MemoryType.SEMANTIC, 0.36),
    (MemoryType.CORE, 0.10),
    (MemoryType.RESOURCE, 0.10),
    (MemoryType.PROCEDURAL, 0.03),
    (MemoryType.VAULT, 0.01),
)

# -- vocabulary -----------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Alice Bruno Carla Dmitri Elena Farid Grace Hiroshi Ines Jonas Kwame Lena Marco Nadia Oscar "
    "Priya Quentin Rosa Samir Tomas Uma Viktor Wen Ximena Yusuf Zoe Amelie Bastian Chiara Diego "
    "Esther Felix Greta Hugo Ingrid Jamal Katya Luis Maya Noor Olga Pablo Rania Sven Tara Ugo "
    "Vera Walter Yara Zeynep Leo Mia Noah Emma Liam Sofia Lucas Anton Beatrix Cyril Delia Emil "
    "Fiona Gustav Helga Ivan Julia Kasper Lotte Mats Nina Orla Pieter Ruth Stefan Thea Ulrich "
    "Vivian Wanda Xavier Yves Zora Arjun Bea Cosmin Dana Edgar Frida Gino Hana Igor Jana Kai "
    "Lila Milo Nell Otto Petra Raul Sana Timo Ursula Vlad Willa Yann Zelda Omar Astrid"
)
LAST = _words(
    "Keller Novak Rossi Schmidt Dubois Silva Moreau Jansen Kowalski Nielsen Berg Costa Fischer "
    "Ivanova Lindqvist Marin Okafor Patel Quinn Romero Sato Tanaka Varga Weber Young Zhang Alves "
    "Brandt Castro Dahl Eriksen Ferreira Gallo Horvat Iqbal Jovanovic Kim Lopez Meyer Nakamura "
    "Olsen Perez Reyes Santos Torres Ueda Vidal Walsh Yilmaz Ziegler Adler Bauer Conti Duarte "
    "Engel Falk Gruber Hahn Ibsen Jung Krause Lehmann Mendes Nagy Ortiz Pohl Ritter Sommer Thiel "
    "Unger Vogel Wolf Arnaud Blanc Chevalier"
)
# 50 x 40 = 2,000 distinct surnames, one per person.
SURNAME_STARTS = _words(
    "Kel Nov Ros Schm Dub Sil Mor Jans Kow Niel Ber Cos Fisch Iv Lind Mar Ok Pat Quin Rom Sat Tan "
    "Var Web Zhan Alv Brand Cast Dahl Erik Ferr Gall Horv Iqb Jov Lop Mey Nak Ols Per Rey Sant "
    "Torr Ued Vid Wal Yil Zieg Adl Bau"
)
SURNAME_ENDS = _words(
    "er ova ini mann berg sen ez ski ic ard ley ton ford wood dorf stein feld hart ing ott elli "
    "escu ov aki ura oni as is os ado ero ani ek ak ola ari ens ers ow ine"
)
CITIES = _words(
    "Berlin Paris Lisbon Madrid Rome Vienna Prague Warsaw Oslo Stockholm Helsinki Dublin London "
    "Edinburgh Amsterdam Brussels Zurich Geneva Milan Naples Athens Istanbul Cairo Nairobi Lagos "
    "Tokyo Osaka Seoul Taipei Singapore Jakarta Sydney Melbourne Auckland Toronto Montreal Boston "
    "Chicago Denver Seattle Austin Lima Bogota Santiago Porto Seville Valencia Lyon Marseille "
    "Hamburg Munich Cologne Leipzig Dresden Krakow Gdansk Riga Tallinn Vilnius Bergen"
)
VENUES = _words(
    "bakery library pharmacy station airport hospital school garage cafe market park beach "
    "cinema museum gym bookshop laundrette townhall theatre stadium harbour clinic hardware "
    "florist butcher bistro pizzeria canteen chapel gallery courthouse observatory aquarium zoo "
    "arcade brewery dairy deli diner embassy foundry hostel kiosk marina mill pier quay rink "
    "sauna studio terrace vineyard warehouse workshop"
)
OBJECTS = _words(
    "invoice contract passport visa ticket laptop phone charger bicycle tyre sofa lamp bookshelf "
    "guitar piano camera lens tripod backpack suitcase umbrella jacket boot sneaker watch ring "
    "necklace painting poster report spreadsheet budget roadmap proposal resume letter parcel "
    "package prescription appointment reservation subscription mortgage lease deposit receipt "
    "warranty manual recipe cake soup lasagna curry salad loaf kettle vase plant seed key wallet "
    "headphone monitor keyboard mouse router printer drone tent kayak ski racket ball puzzle "
    "novel blender toaster heater fan mattress pillow blanket curtain rug mirror drill ladder "
    "hammer saw shovel hose bucket stroller scooter helmet glove scarf hat sweater"
)
ADJECTIVES = _words(
    "red blue green yellow purple orange old new broken expensive cheap heavy light spare "
    "favourite noisy quiet small large vintage electric wooden leather shiny dusty folding "
    "portable waterproof cracked second-hand handmade brass ceramic woollen striped tiny "
    "enormous antique rusty"
)
VERBS = _words(
    "booked cancelled moved reviewed signed sent received paid ordered returned borrowed lent "
    "fixed painted collected wrapped recommended bought sold planned postponed confirmed forgot "
    "found lost shared printed scanned renewed installed upgraded repaired cleaned packed "
    "unpacked delivered measured weighed photographed insured assembled dismantled"
)
TOPICS = _words(
    "pricing hiring onboarding migration security privacy backups taxes holidays birthday "
    "wedding renovation garden vacation conference workshop deadline launch release training "
    "marathon diet allergy enrollment apartment recycling newsletter podcast interview "
    "promotion salary retirement investment savings loan charity volunteering choir football "
    "chess photography pottery climbing astronomy beekeeping calligraphy carpentry cycling "
    "fencing gardening knitting origami rowing sailing sculpture surfing tennis yoga archery "
    "genealogy"
)
FOODS = _words(
    "sushi ramen pizza pasta tacos curry pho falafel hummus paella risotto dumplings pancakes "
    "waffles croissants bagels burgers noodles steak tofu tempeh oatmeal goulash moussaka "
    "lasagne kimchi gnocchi burritos empanadas pierogi couscous tagine shakshuka ceviche "
    "bibimbap biryani borscht fondue churros baklava"
)
RELATIONS = _words(
    "sister brother mother father cousin aunt uncle colleague manager neighbour friend landlord "
    "dentist doctor teacher coach partner son daughter niece nephew godmother"
)
APPS = _words(
    "Slack Gmail Calendar Notion Figma Jira Excel Word Zoom Teams Dropbox Drive Trello Signal "
    "Telegram Obsidian Evernote Keep Outlook Asana"
)
ORGS = _words(
    "Northwind Bluefin Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Tyrell Cyberdyne "
    "Soylent Oscorp Gringotts Monarch Aperture Massive Dunder Pied Wonka Zorg Virtucon Nakatomi "
    "Oceanic Prestige Sirius Tricell Vault Yoyodyne"
)
MONTHS = _words(
    "January February March April May June July August September October November December"
)
SCREEN_APPS = ("firefox", "code", "thunderbird", "libreoffice", "slack", "terminal")
WINDOW_SUFFIX = {
    "firefox": "Mozilla Firefox",
    "code": "Visual Studio Code",
    "thunderbird": "Mozilla Thunderbird",
    "libreoffice": "LibreOffice Calc",
    "slack": "Slack",
    "terminal": "Terminal",
}

# (main clause, optional trailing clause): a near duplicate may move the trailing clause to the
# front, which keeps every content word.
EPISODIC = (
    ("{person} and I had {food} at the {venue} in {city}", "after the {topic} meeting"),
    ("{person} {verb} the {adj} {obj} at the {venue} in {city}", "around {time}"),
    ("Went to the {venue} in {city} with {person} to pick up the {adj} {obj}", ""),
    ("Called {person} about the {topic} {obj} for {org}", "at {time}"),
    ("Watched a {adj} film about {topic} with {person} in {city}", "in the evening"),
    ("Met {person} from {org} to discuss {topic} and the {adj} {obj}", "at the {venue}"),
    ("{person} {verb} {n} {obj}s for the {topic} party", "in {city}"),
    ("Fixed the {adj} {obj} with {person} at the {venue}", "before dinner"),
    ("Took the train from {city} to {city2} with {person} for the {topic} trip", "at {time}"),
    ("{person} showed me the {adj} {obj} from {org}", "at the {venue} in {city}"),
)
SEMANTIC = (
    ("{person}'s {relation} prefers {food} over {food2}", "when eating out in {city}"),
    ("{person} works on {topic} at {org} in {city}", ""),
    ("The {adj} {obj} in the {venue} belongs to {person}", ""),
    ("{person} recommended the {venue} in {city} for {food}", ""),
    ("The {topic} budget {person} runs at {org} is {amount} euros", "for this year"),
    ("{person} is allergic to {food} and dislikes {food2}", ""),
    ("{org} moved the {topic} team of {person} from {city} to {city2}", ""),
    ("The {venue} near {city} station that {person} likes closes at {time}", "on weekdays"),
    ("{person} {verb} the {adj} {obj} from {org}", "last month"),
    ("{person} teaches {topic} at the {venue} in {city}", "on Saturdays"),
)
CORE = (
    ("My {relation} {person} lives in {city}", ""),
    ("I prefer {food} to {food2} when {person} cooks", "at {venue} dinners"),
    ("I am learning {topic} with {person} at the {venue}", ""),
    ("I keep the {adj} {obj} from {person} in the {venue} in {city}", ""),
    ("I volunteer for {topic} with {person} at {org} in {city}", "twice a month"),
)
RESOURCE = (
    ("The {topic} slides for {org} are in the {app} folder of {person}", ""),
    ("Link to the {adj} {obj} manual {person} found on the {org} website", ""),
    ("{person} shared the {topic} spreadsheet about the {obj} in {app}", ""),
    ("The recipe for {food} with {food2} from {person} is bookmarked in {app}", "under {topic}"),
    ("Invoice {n} from {org} for the {adj} {obj} is saved in {app}", ""),
    ("The {city} {venue} floor plan from {person} is pinned in the {topic} channel on {app}", ""),
)
PROCEDURAL = (
    ("To reset the {adj} {obj}, hold the button for {n} seconds", "then call {person}"),
    ("To book the {venue} in {city}, message {person} on {app}", "a day before"),
    ("To export the {topic} report for {person} from {app}, open the {obj} menu", ""),
    ("To clean the {adj} {obj} of {person}, use warm water and a soft {obj2}", ""),
)
VAULT = (
    ("The {app} password for {person} is {secret}", ""),
    ("The {venue} door code in {city} is {code}", ""),
)
TEMPLATES = {
    MemoryType.EPISODIC: EPISODIC,
    MemoryType.SEMANTIC: SEMANTIC,
    MemoryType.CORE: CORE,
    MemoryType.RESOURCE: RESOURCE,
    MemoryType.PROCEDURAL: PROCEDURAL,
    MemoryType.VAULT: VAULT,
}
# Slot facts: attribute -> (text with {subject} / {subject_s}, what the value is made of).
SLOTS = {
    "dentist": ("{subject_s} dentist is Dr. {value}", "last"),
    "doctor": ("{subject_s} doctor is Dr. {value}", "last"),
    "employer": ("{subject} works at {value}", "org"),
    "hometown": ("{subject} lives in {value}", "city"),
    "favourite food": ("{subject_s} favourite food is {value}", "food"),
    "gym": ("{subject} trains at the {value} gym", "city"),
    "bank": ("{subject} banks with {value}", "org"),
    "favourite sport": ("{subject_s} favourite sport is {value}", "topic"),
    "messenger": ("{subject} prefers to be reached on {value}", "app"),
    "birth city": ("{subject} was born in {value}", "city"),
    "landlord": ("{subject_s} landlord is {value}", "person"),
}
CHAT_LINES = (
    ("user", "What did {person} say about the {topic} {obj}?"),
    ("user", "When is the {topic} meeting with {person}?"),
    ("user", "Where did I put the {adj} {obj}?"),
    ("user", "thanks, that helps"),
    ("assistant", "You told me {person} mentioned the {obj} last week."),
    ("assistant", "I could not find anything about {topic} in {city}."),
)


# -- the synthetic history ----------------------------------------------------------------------


@dataclass(slots=True)
class Spec:
    """One memory to insert (kept small: 100k of them live at once while seeding)."""

    type: MemoryType
    text: str
    recorded: datetime
    valid_from: datetime
    fields: dict[str, Any]
    source: Source
    importance: float
    recall_count: int = 0
    last_recalled: datetime | None = None
    pinned: bool = False
    app: str | None = None


@dataclass
class History:
    specs: list[Spec]
    chats: list[tuple[datetime, str, str]]  # (time, speaker, text)
    segments: list[tuple[datetime, int, str, str]]  # (start, minutes, app, title)
    days: int
    planted: list[tuple[str, str]]  # (original text, duplicate text)
    mix: dict[str, int] = field(default_factory=dict)


PROPER = frozenset(["I", *FIRST, *ORGS, *CITIES, *APPS])


def _add_entities(fields: dict[str, Any], mtype: MemoryType, text: str) -> None:
    """The names the rule extractor finds in the text, as it stores them."""
    if mtype is not MemoryType.VAULT:
        found = rules._entities(text)
        if found:
            fields["entities"] = found


class Generator:
    """Memories, chat turns and screen segments from a seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # Every person has their own surname, so two people never differ by a first name alone.
        surnames = [f"{a}{b}" for a in SURNAME_STARTS for b in SURNAME_ENDS]
        self.rng.shuffle(surnames)
        self.people = [f"{self.rng.choice(FIRST)} {last}" for last in surnames]
        self.slot_keys = [(p, a) for p in self.people for a in SLOTS]
        self.rng.shuffle(self.slot_keys)
        self.used_slots: list[tuple[str, str]] = []
        self.slot_values: dict[tuple[str, str], set[str]] = {}

    def values(self) -> dict[str, Any]:
        r = self.rng
        city, city2 = r.sample(CITIES, 2)
        food, food2 = r.sample(FOODS, 2)
        obj, obj2 = r.sample(OBJECTS, 2)
        return {
            "person": r.choice(self.people),
            "city": city,
            "city2": city2,
            "venue": r.choice(VENUES),
            "obj": obj,
            "obj2": obj2,
            "adj": r.choice(ADJECTIVES),
            "verb": r.choice(VERBS),
            "topic": r.choice(TOPICS),
            "food": food,
            "food2": food2,
            "relation": r.choice(RELATIONS),
            "app": r.choice(APPS),
            "org": r.choice(ORGS),
            "time": f"{r.randint(7, 21)}:{r.choice((0, 15, 30, 45)):02d}",
            "n": r.randint(2, 999),
            "amount": r.randint(1, 400) * 100,
            "secret": "".join(r.choices("abcdefghjkmnpqrstuvwxyz23456789", k=12)),
            "code": f"{r.randint(1000, 9999)}",
        }

    def text(self, mtype: MemoryType) -> tuple[str, str, dict[str, Any]]:
        """(text, trailing clause, values) for a memory of this type."""
        main, tail = self.rng.choice(TEMPLATES[mtype])
        v = self.values()
        main, tail = main.format(**v), tail.format(**v)
        return (f"{main} {tail}" if tail else main), tail, v

    def slot_fact(self) -> tuple[str, dict[str, Any]]:
        """A slot fact: a new (subject, attribute) key, or now and then a conflicting value for
        one already used (the update step keeps those side by side)."""
        r = self.rng
        if self.used_slots and r.random() < SHARE_CONFLICT:
            person, attribute = r.choice(self.used_slots)
        else:
            person, attribute = self.slot_keys[len(self.used_slots) % len(self.slot_keys)]
            self.used_slots.append((person, attribute))
        template, kind = SLOTS[attribute]
        pool = {
            "last": LAST,
            "org": ORGS,
            "city": CITIES,
            "food": FOODS,
            "topic": TOPICS,
            "app": APPS,
            "person": self.people,
        }[kind]
        held = self.slot_values.setdefault((person, attribute), set())
        value = r.choice(pool)
        while value in held:  # a conflict gives another value
            value = r.choice(pool)
        held.add(value)
        text = template.format(subject=person, subject_s=f"{person}'s", value=value)
        subject = person.casefold()
        slot = {
            "key": f"{subject}|{attribute}",
            "subject": subject,
            "attribute": attribute,
            "value": f"Dr. {value}" if kind == "last" else value,
        }
        return text, {"slot": slot}

    def near(self, text: str, tail: str, v: dict[str, Any]) -> str:
        """One change that keeps most content words (the update step's near-duplicate test)."""
        r = self.rng
        options = []
        if re.search(rf"\b{re.escape(v['obj'])}\b", text):
            options.append("plural")
        if f" {v['verb']} " in text:
            options.append("really")
        if tail:
            options.append("reorder")
        options += ["actually", "too"]
        kind = r.choice(options)
        if kind == "plural":
            return re.sub(rf"\b{re.escape(v['obj'])}\b", v["obj"] + "s", text, count=1)
        if kind == "really":
            return text.replace(f" {v['verb']} ", f" really {v['verb']} ", 1)
        if kind == "reorder":
            main = text[: -len(tail)].rstrip()
            head = main.split()[0]
            if head not in PROPER:
                main = main[0].lower() + main[1:]
            return f"{tail[0].upper()}{tail[1:]}, {main}"
        if kind == "actually":
            return f"Actually, {text}"
        return f"{text} too"

    def history(self, n: int, now: datetime) -> History:
        r = self.rng
        days = max(MIN_DAYS, n // PER_DAY)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        first = today - timedelta(days=days)
        last_moment = today - timedelta(minutes=1)
        n_exact = round(n * SHARE_EXACT)
        n_near = round(n * SHARE_NEAR)
        n_base = n - n_exact - n_near
        types = [t for t, _ in TYPE_MIX]
        weights = [w for _, w in TYPE_MIX]
        specs: list[Spec] = []
        tails: list[tuple[str, dict[str, Any]]] = []
        for i in range(n_base):
            mtype = r.choices(types, weights)[0]
            day = first + timedelta(days=i * days // n_base)
            recorded = day + timedelta(seconds=r.uniform(7 * 3600, 23 * 3600))
            valid_from = recorded
            fields: dict[str, Any] = {}
            tail, v = "", {}
            if mtype is MemoryType.CORE and r.random() < SHARE_SLOT:
                text, fields = self.slot_fact()
            else:
                text, tail, v = self.text(mtype)
            if mtype is MemoryType.EPISODIC:
                earliest = day + timedelta(hours=6)
                valid_from = max(earliest, recorded - timedelta(seconds=r.uniform(0, 4 * 3600)))
            _add_entities(fields, mtype, text)
            screen = mtype is not MemoryType.VAULT and r.random() < SHARE_SCREEN
            fields["trust"] = "screen" if screen else "user"
            specs.append(
                Spec(
                    mtype,
                    text,
                    recorded,
                    valid_from,
                    fields,
                    Source.SCREEN if screen else Source.CHAT,
                    round(r.uniform(0.3, 0.9), 2),
                    app=r.choice(SCREEN_APPS) if screen else None,
                )
            )
            tails.append((tail, v))
        # Duplicates of distinct originals (vault memories never repeat here), recorded later.
        eligible = [i for i, s in enumerate(specs) if s.type is not MemoryType.VAULT]
        originals = r.sample(eligible, n_exact + n_near)
        planted: list[tuple[str, str]] = []
        for k, i in enumerate(originals):
            orig = specs[i]
            later = orig.recorded + timedelta(seconds=r.uniform(600, 7 * 86400))
            if later > last_moment:
                later = orig.recorded + (last_moment - orig.recorded) * r.random()
            text = orig.text
            if k >= n_exact:
                tail, v = tails[i]
                text = self.near(orig.text, tail, v) if v else f"Actually, {orig.text}"
            fields = {key: value for key, value in orig.fields.items() if key != "entities"}
            _add_entities(fields, orig.type, text)
            planted.append((orig.text, text))
            specs.append(
                Spec(
                    orig.type,
                    text,
                    later,
                    orig.valid_from,  # the same event, told again
                    fields,
                    orig.source,
                    orig.importance,
                    app=orig.app,
                )
            )
        for s in specs:
            if r.random() < SHARE_RECALLED:
                s.recall_count = r.randint(1, 6)
                s.last_recalled = s.recorded + (now - s.recorded) * r.uniform(0.1, 0.95)
            s.pinned = r.random() < SHARE_PINNED
        specs.sort(key=lambda s: s.recorded)

        chats = []
        for _ in range(round(n * CHATS_PER_MEMORY)):
            day = first + timedelta(days=r.randrange(days))
            speaker, line = r.choice(CHAT_LINES)
            when = day + timedelta(seconds=r.uniform(7 * 3600, 23 * 3600))
            chats.append((when, speaker, line.format(**self.values())))
        segments = []
        for d in range(days):
            day = first + timedelta(days=d)
            for _ in range(r.randint(*SEGMENTS_PER_DAY)):
                app = r.choice(SCREEN_APPS)
                v = self.values()
                title = f"{v['topic']} {v['obj']} - {v['org']} - {WINDOW_SUFFIX[app]}"
                start = day + timedelta(seconds=r.uniform(8 * 3600, 19 * 3600))
                segments.append((start, r.randint(3, 90), app, title))
        mix = Counter(str(s.type) for s in specs)
        counts = {
            **{f"type {t}": mix[str(t)] for t, _ in TYPE_MIX},
            "planted exact duplicates": n_exact,
            "planted near duplicates": n_near,
            "slot facts": sum(1 for s in specs if "slot" in s.fields),
            "with entities": sum(1 for s in specs if "entities" in s.fields),
            "recalled": sum(1 for s in specs if s.recall_count),
            "pinned": sum(1 for s in specs if s.pinned),
        }
        return History(specs, chats, segments, days, planted, counts)


# -- seeding --------------------------------------------------------------------------------------


def _observation(s: Spec) -> Observation:
    if s.source is Source.SCREEN:
        title = f"{s.text[:40]} - {WINDOW_SUFFIX[s.app or 'firefox']}"
        return Observation(
            source=Source.SCREEN,
            time=s.recorded,
            text=f"{title}: {s.text}",
            trust=Trust.SCREEN,
            app=s.app,
            window=title,
        )
    return Observation(
        source=Source.CHAT,
        time=s.recorded,
        text=s.text,
        trust=Trust.USER,
        speaker="user",
        session=f"chat-{s.recorded:%Y%m%d}",
    )


def seed_store(store: Store, history: History, rng: random.Random) -> None:
    """Insert the history: BATCH memories (and their observations) per write transaction."""
    specs = history.specs
    for start in range(0, len(specs), BATCH):
        chunk = specs[start : start + BATCH]
        with store.write():
            memories = []
            for s in chunk:
                obs = _observation(s)
                store.add_observation(obs)
                memories.append(
                    Memory(
                        type=s.type,
                        text=s.text,
                        fields=s.fields,
                        valid_from=s.valid_from,
                        recorded_at=s.recorded,
                        sources=[obs.id],
                        importance=s.importance,
                        last_recalled_at=s.last_recalled,
                        recall_count=s.recall_count,
                        pinned=s.pinned,
                    )
                )
            store.add_memories(memories)
        if (start // BATCH) % 10 == 9:
            log(f"  {start + len(chunk):,} / {len(specs):,} memories")
    chats = history.chats
    for start in range(0, len(chats), BATCH * 5):
        with store.write():
            for when, speaker, text in chats[start : start + BATCH * 5]:
                store.add_observation(
                    Observation(
                        source=Source.CHAT,
                        time=when,
                        text=text,
                        trust=Trust.USER if speaker == "user" else Trust.ASSISTANT,
                        speaker=speaker,
                        session=f"chat-{when:%Y%m%d}",
                    )
                )
    with store.write() as conn:
        rows = []
        for start, minutes, app, title in history.segments:
            obs = Observation(
                source=Source.SCREEN,
                time=start,
                text=f"{title}: reading",
                trust=Trust.SCREEN,
                app=app,
                window=title,
            )
            store.add_observation(obs)
            end = start + timedelta(minutes=minutes)
            rows.append(
                (
                    f"{rng.getrandbits(128):032x}",
                    app,
                    title,
                    start.isoformat(),
                    start.timestamp(),
                    end.isoformat(),
                    end.timestamp(),
                    obs.id,
                )
            )
        conn.executemany(
            "INSERT INTO segments (id, app, title, start, start_ts, end, end_ts, closed, "
            "observation_id) VALUES (?, ?, ?, ?, ?, ?, ?, 2, ?)",
            rows,
        )
    store.checkpoint()


# -- one size (the child process) -----------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _rss_mb(key: str) -> float | None:
    """VmRSS / VmHWM of this process from /proc (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (Linux 4.0+), so the sleep's own peak can be read."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class ProgressLog:
    """Logs each phase as it starts and then at most every 10 s (to stderr)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.phase = ""
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self.phase or now - self.last > 10:
            self.phase, self.last = phase, now
            log(f"  {self.label}: {phase} {done:,}/{total:,}")


def merge_audit(store: Store, planted: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """What the merges joined: a planted duplicate pair, or something else (and whether their
    members disagreed on a slot value)."""
    pairs = {frozenset(normalize_text(t) for t in pair) for pair in planted}
    groups: dict[str, list[tuple[str, Any]]] = {}
    for merged, text, value in store.conn.execute(
        "SELECT l.dst, m.text, json_extract(m.fields, '$.slot.value') FROM links l "
        "JOIN memories m ON m.id = l.src WHERE l.kind = 'merged-into'"
    ):
        groups.setdefault(merged, []).append((text, value))
    audit: dict[str, Any] = {"planted": 0, "other": 0, "slot_conflicts": 0, "examples": []}
    for members in groups.values():
        if frozenset(normalize_text(t) for t, _ in members) in pairs:
            audit["planted"] += 1
        else:
            audit["other"] += 1
            if len(audit["examples"]) < 5:
                audit["examples"].append([t for t, _ in members])
        if len({normalize_text(str(v)) for _, v in members if v is not None}) > 1:
            audit["slot_conflicts"] += 1
    return audit


def _phases(report: SleepReport) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "seconds": float(report.phases.get(name, {}).get("seconds", 0.0)),
            "counts": dict(report.phases.get(name, {}).get("counts", {})),
        }
        for name in PHASES
    }


def run_size(n: int, seed: int) -> dict[str, Any]:
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    rng = random.Random(seed * 1_000_003 + n)
    log(f"{n:,}: generating the history")
    history = Generator(seed).history(n, now)
    root = Path(tempfile.mkdtemp(prefix="mnemo-sleep-bench-"))
    try:
        home = Home.resolve(root)
        store = Store.open(home.db_path, os.urandom(32), HashingEmbedder(), create=True)
        try:
            log(f"{n:,}: seeding {len(history.specs):,} memories over {history.days} days")
            t0 = time.perf_counter()
            seed_store(store, history, rng)
            seeding = time.perf_counter() - t0
            log(f"{n:,}: seeded in {seeding:.1f} s")
            stored = {
                table: int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in ("memories", "observations", "segments")
            }
            mix, days, planted = history.mix, history.days, history.planted
            del history
            gc.collect()
            rss_before = _rss_mb("VmRSS")
            peak_reset = _reset_peak()

            load = os.getloadavg()[0]  # other work on the machine skews every timing
            log(f"{n:,}: first sleep run (load average {load:.2f})")
            t0 = time.perf_counter()
            first = run_sleep(
                store, Settings(), home=home, now=now, progress=ProgressLog(f"{n:,} first")
            )
            first_wall = time.perf_counter() - t0
            peak_sleep = _rss_mb("VmHWM") if peak_reset else None
            audit = merge_audit(store, planted)
            for example in audit["examples"]:
                log(f"  a merge that joined no planted pair: {example}")
            log(f"{n:,}: first run {first_wall:.1f} s; second sleep run")
            t0 = time.perf_counter()
            second = run_sleep(
                store, Settings(), home=home, now=now, progress=ProgressLog(f"{n:,} second")
            )
            second_wall = time.perf_counter() - t0
            log(f"{n:,}: second run {second_wall:.1f} s")
            current = int(
                store.conn.execute(
                    "SELECT count(*) FROM memories WHERE superseded_at IS NULL "
                    "AND status = 'active'"
                ).fetchone()[0]
            )
            cold = int(
                store.conn.execute(
                    "SELECT count(*) FROM memories WHERE superseded_at IS NULL "
                    "AND status = 'active' AND tier = 'cold'"
                ).fetchone()[0]
            )
        finally:
            store.close()
        db_bytes = sum(
            p.stat().st_size for p in (home.db_path, Path(f"{home.db_path}-wal")) if p.exists()
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "size": n,
        "days": days,
        "now": now.isoformat(),
        "seeding_seconds": seeding,
        "stored": stored,
        "mix": mix,
        "first": {"status": first.status, "wall": first_wall, "phases": _phases(first)},
        "second": {"status": second.status, "wall": second_wall, "phases": _phases(second)},
        "merges": {k: v for k, v in audit.items() if k != "examples"},
        "current_after": current,
        "cold_after": cold,
        "db_mb": db_bytes / 1e6,
        "load_average": load,
        "rss_before_sleep_mb": rss_before,
        "peak_rss_sleep_mb": peak_sleep,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(n: int, seed: int, script: str = __file__, prefix: str = RESULT) -> dict[str, Any]:
    """Run one size in a fresh process of `script` (`--child N`); its result comes back on
    stdout, on the line that starts with `prefix`."""
    done = subprocess.run(
        [sys.executable, str(Path(script).resolve()), "--child", str(n), "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(prefix)]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"the run over {n:,} memories failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(lines[-1][len(prefix) :])
    return result


# -- the report -----------------------------------------------------------------------------------


def _short(n: int) -> str:
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def verdict(results: Sequence[dict[str, Any]]) -> list[str]:
    small, large = results[0], results[-1]
    lines = []
    total = large["first"]["wall"]
    if large["size"] >= TARGET_SIZE:
        mark = "PASS" if total < TARGET_SECONDS else "FAIL"
        lines.append(
            f"{_short(large['size'])} total {total:.1f} s (target < {TARGET_SECONDS:g} s): {mark}"
        )
    else:
        lines.append(
            f"{_short(large['size'])} total {total:.1f} s (target < {TARGET_SECONDS:g} s at "
            f"{_short(TARGET_SIZE)}): n/a"
        )
    if len(results) > 1:
        growth = total / max(small["first"]["wall"], 1e-9)
        limit = TARGET_GROWTH * large["size"] / small["size"]
        mark = "PASS" if growth <= limit else "FAIL"
        lines.append(
            f"growth {_short(large['size'])}/{_short(small['size'])} = {growth:.1f} "
            f"(target <= {limit:g}): {mark}"
        )
    return lines


def render(results: Sequence[dict[str, Any]], env: dict[str, Any]) -> str:
    label_w, width = 34, 14
    multi = len(results) > 1
    out: list[str] = []

    def row(label: str, cells: Sequence[str], ratio: str = "") -> None:
        line = f"{label:<{label_w}}" + "".join(f"{c:>{width}}" for c in cells)
        if multi:
            line += f"{ratio:>{width}}"
        out.append(line.rstrip())

    def rule() -> None:
        out.append("-" * (label_w + width * (len(results) + int(multi))))

    def ratio(a: float, b: float) -> str:
        return f"{b / a:.1f}x" if a > 0.0005 else "-"

    def seconds_row(label: str, values: Sequence[float]) -> None:
        row(label, [f"{v:.2f}" for v in values], ratio(values[0], values[-1]))

    def count_row(label: str, values: Sequence[int | float | None], fmt: str = ",.0f") -> None:
        row(label, [("-" if v is None else format(v, fmt)) for v in values])

    out.append(
        f"Mnemo sleep benchmark, rule path (python {env['python']}, {env['cpus']} CPUs, "
        f"embedder {env['embedder']}, seed {env['seed']})"
    )
    rule()
    names = [_short(r["size"]) + " mem." for r in results]
    row("", names, f"{_short(results[-1]['size'])}/{_short(results[0]['size'])}")
    rule()
    out.append("first run, seconds per phase (from the run's report):")
    for phase in PHASES:
        seconds_row(f"  {phase}", [r["first"]["phases"][phase]["seconds"] for r in results])
    seconds_row(
        "  sum of phases",
        [sum(p["seconds"] for p in r["first"]["phases"].values()) for r in results],
    )
    seconds_row("total (wall, around run_sleep)", [r["first"]["wall"] for r in results])
    seconds_row("second run (wall)", [r["second"]["wall"] for r in results])
    rule()
    out.append("second run, seconds per phase:")
    for phase in PHASES:
        seconds_row(f"  {phase}", [r["second"]["phases"][phase]["seconds"] for r in results])
    rule()

    def first_count(phase: str, key: str) -> list[int]:
        return [int(r["first"]["phases"][phase]["counts"].get(key, 0)) for r in results]

    def second_changes(r: dict[str, Any]) -> int:
        changes = 0
        for phase, keys in (
            ("consolidate", ("clusters",)),
            ("summarise", ("days", "updated", "weeks", "weeks_updated")),
            ("decay", ("updated",)),
            ("link", ("related", "same-entity", "follows", "contradicts")),
        ):
            counts = r["second"]["phases"][phase]["counts"]
            changes += sum(int(counts.get(k, 0)) for k in keys)
        return changes

    out.append("store before the run:")
    count_row("  memories", [r["stored"]["memories"] for r in results])
    count_row("  observations", [r["stored"]["observations"] for r in results])
    count_row("  screen segments", [r["stored"]["segments"] for r in results])
    count_row("  days of history", [r["days"] for r in results])
    row(
        "  planted duplicates exact / near",
        [
            f"{r['mix']['planted exact duplicates']:,} / {r['mix']['planted near duplicates']:,}"
            for r in results
        ],
    )
    count_row("  slot facts", [r["mix"]["slot facts"] for r in results])
    count_row("  seeding (s, not counted)", [r["seeding_seconds"] for r in results], ".1f")
    rule()
    out.append("first run did:")
    count_row("  consolidate: clusters merged", first_count("consolidate", "clusters"))
    count_row("  consolidate: memories merged", first_count("consolidate", "merged"))
    count_row("    clusters of a planted pair", [r["merges"]["planted"] for r in results])
    count_row("    clusters of anything else", [r["merges"]["other"] for r in results])
    count_row("    clusters of != slot values", [r["merges"]["slot_conflicts"] for r in results])
    count_row("  summarise: days", first_count("summarise", "days"))
    count_row("  summarise: weeks", first_count("summarise", "weeks"))
    count_row("  decay: strengths updated", first_count("decay", "updated"))
    count_row("  decay: faded to cold", first_count("decay", "faded"))
    for kind in ("related", "same-entity", "follows", "contradicts"):
        count_row(f"  link: {kind}", first_count("link", kind))
    count_row("  current memories after", [r["current_after"] for r in results])
    count_row("second run changed (should be ~0)", [second_changes(r) for r in results])
    rule()
    count_row("load average at the start (1 min)", [r["load_average"] for r in results], ".2f")
    count_row("database after (MB)", [r["db_mb"] for r in results], ".1f")
    count_row("RSS before the sleep (MB)", [r["rss_before_sleep_mb"] for r in results])
    count_row("peak RSS during the sleep (MB)", [r["peak_rss_sleep_mb"] for r in results])
    count_row("peak RSS of the process (MB)", [r["peak_rss_mb"] for r in results])
    rule()
    out.extend(verdict(results))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["10000", "100000"],
        help="store sizes, space or comma separated (default 10000 100000)",
    )
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # one size, in this process
    args = parser.parse_args(argv)
    if args.child is not None:
        print(RESULT + json.dumps(run_size(args.child, args.seed)), flush=True)
        return 0
    sizes = sorted(
        {int(s.replace("_", "")) for arg in args.sizes for s in arg.split(",") if s.strip()}
    )
    if not sizes or sizes[0] < 50:
        parser.error("sizes must be at least 50")
    env = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "embedder": HashingEmbedder().identity.name,
        "seed": args.seed,
    }
    results = [run_child(n, args.seed) for n in sizes]
    if args.json:
        print(json.dumps({"environment": env, "results": results, "verdict": verdict(results)}))
    else:
        print(render(results, env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
