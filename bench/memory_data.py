"""A synthetic but lifelike few months of one person's life as Mnemo sees it, with gold questions.

`generate(seed)` draws a persona (names, cities, employer, pets, doctors, tastes) from small pools
with a seeded `random.Random`, lays a story over the calendar (lasting facts told in the first days,
people introduced on one day and described on another, a move, a job change, a new phone and car,
dated episodes told with relative dates such as "yesterday" or "last Tuesday", a flight booking, a
doctor's reminder and a rescheduled meeting seen on screen) and then buries it under the ordinary
noise of a life: small talk and acknowledgements in the daily chat session, and several OCR'd
screens a day of newsletters, Slack chatter, code, documents and web pages, some of them holding
other people's look-alike facts (a colleague who "moved to Madrid", another airline to the same
city). Relative dates are worded the way `core/dates.py` resolves them ("last Friday", never a
bare "on Friday", which reads as the coming one). Every question is built next to the lines that answer it, so its evidence ids, answers and
(for knowledge updates) superseded lines and values are exact by construction; `generate` then
checks the invariants the benchmark relies on (evidence before `asked_at`, answers present in the
evidence or derivable dates, abstention topics absent from every line) and fails loudly rather
than emit a broken set. Everything, including the surface wording, flows from the seed: the same
seed gives identical output, another seed another person with the same schema. Times carry a
fixed +01:00 offset; `write` emits the app's chat-import JSONL plus screen and question files.

    python bench/memory_data.py OUT_DIR [--seed 7] [--days 90] [--start 2026-01-05]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

TZ = timezone(timedelta(hours=1))
CATEGORIES = ("single", "multi-hop", "temporal", "update", "abstention")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIN_DAYS = 60


@dataclass(frozen=True)
class Line:
    """One observation: a chat turn or one OCR'd screen capture."""

    id: str
    source: str
    time: str
    text: str
    speaker: str | None
    session: str | None
    app: str | None
    window: str | None


@dataclass(frozen=True)
class Question:
    """A gold question, the lines that answer it and the acceptable answers."""

    id: str
    question: str
    asked_at: str
    category: str
    evidence: tuple[str, ...]
    answer: tuple[str, ...]
    stale: tuple[str, ...] = ()
    stale_answer: tuple[str, ...] = ()


@dataclass(frozen=True)
class Corpus:
    lines: tuple[Line, ...]
    questions: tuple[Question, ...]


def date_forms(day: date) -> tuple[str, str, str]:
    """The accepted spellings of a day: ISO, "February 10" and "10 February"."""
    month = MONTHS[day.month - 1]
    return (day.isoformat(), f"{month} {day.day}", f"{day.day} {month}")


def short_date(day: date) -> str:
    """How mail and calendars print a day: "Thu 12 Feb 2026"."""
    return f"{WEEKDAYS[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def long_date(day: date) -> str:
    """How people write a day in chat: "12 February"."""
    return f"{day.day} {MONTHS[day.month - 1]}"


# --- the chat's fixed small talk: none of these holds anything worth remembering -----------------

GREETINGS = (
    "Hi!", "Hey Mnemo", "Hello again", "Hi there", "Hey, quick check-in", "Back again", "Hiya",
    "Hey", "Hi, it's me again", "Hello!",
)  # fmt: skip
GREETINGS_AM = ("Morning!", "Good morning :)", "Morning, coffee first", "Morning Mnemo")
GREETINGS_PM = ("Evening.", "Evening! Long day.", "Hey, finally home", "Good evening")
GREETING_REPLIES = (
    "Hi! How's it going?", "Hello! I'm here.", "Hi, good to see you.",
    "Hello! Anything you want me to remember?", "Hey! What's up?",
)  # fmt: skip
GREETING_REPLIES_AM = ("Good morning! What's up?", "Morning! Ready when you are.")
GREETING_REPLIES_PM = ("Evening! What's on your mind?", "Hey! How was your day?")
SMALL_TALK = (
    "It's raining again.", "I need a holiday.", "Just checking in.", "I slept badly.",
    "Finally some sun!", "It's freezing out there.", "I'm procrastinating, obviously.",
    "Feeling a bit under the weather.", "The neighbours are drilling again.",
    "I think I'm getting a cold.", "Random thought: I should read more.",
    "Honestly just want to sleep.", "Why is everything so expensive lately.",
    "I keep forgetting to drink water.", "Another grey day.", "I'm in a weirdly good mood.",
    "Note to self: stop doomscrolling.", "Spring can't come soon enough.", "Meh.",
    "The heating is making weird noises.", "The wifi keeps dropping.",
)  # fmt: skip
SMALL_TALK_AM = (
    "Coffee hasn't kicked in yet.", "Running late already.", "Big day ahead.",
    "Didn't sleep well at all.", "Dark mornings are the worst.", "Quick one before I head out.",
    "Woke up before the alarm for once.",
)  # fmt: skip
SMALL_TALK_PM = (
    "So tired today.", "Long day, but a good one.", "Nothing much to report today.",
    "Today went by so fast.", "Too many meetings today.", "Quiet day, honestly.",
    "Traffic was awful.", "Not much happened, just work.",
    "Made a big pot of soup, lunch sorted for days.", "I spent way too long on my phone today.",
    "Inbox zero! Briefly.", "The day just disappeared.", "Good news: nothing broke today.",
    "Couldn't focus at all this afternoon.", "I should go to bed earlier.",
    "Watched some random videos, wasted the evening.", "Busy busy.", "So many emails.",
    "Did laundry, that's the highlight.", "Can't believe it's already dark at five.",
    "My laptop decided to update in the middle of a call.", "Everyone at work is sick.",
)  # fmt: skip
SMALL_TALK_REPLIES = (
    "Sounds like a day. Rest up!", "Hang in there.", "Fair enough!", "Ha, I hear you.",
    "Hope tomorrow is easier.", "Take it easy.", "That's something!", "Oh no.", "Nice.",
    "Good to hear.", "Here if you need me.", "Understandable!",
)  # fmt: skip
QA_PAIRS = (
    ("What should I cook tonight?", "How about a quick stir-fry? Whatever veg you have plus rice."),
    (
        "Any tips for falling asleep faster?",
        "Keep screens away for the last half hour and keep the room cool.",
    ),
    ("How long do you boil an egg for soft?", "About six minutes from boiling water."),
    (
        "What's a good stretch for a stiff neck?",
        "Slow chin tucks and ear-to-shoulder tilts, 20 seconds each side.",
    ),
    (
        "Can you suggest a podcast?",
        "If you like history, try a long-form narrative one; if not, a short news briefing.",
    ),
    (
        "Is it rude to leave a group chat?",
        "Not really, a short 'muting this for a while' message helps.",
    ),
    (
        "How do I get candle wax off a tablecloth?",
        "Freeze it, scrape it off, then iron between paper towels.",
    ),
    (
        "What's a good gift for someone who has everything?",
        "An experience: a class, a concert or a nice dinner.",
    ),
    ("How many minutes is a power nap?", "Around 20 minutes, before you drop into deep sleep."),
    (
        "Why do onions make you cry?",
        "Cutting them releases a gas that irritates the eyes; a sharp knife helps.",
    ),
    ("Give me a word for 'very happy'.", "Elated."),
    ("What's 15% of 80?", "12."),
    ("How do I say thank you in Finnish?", "Kiitos."),
    ("Any ideas for a rainy Sunday?", "A long brunch, a few films at home, or a museum."),
    (
        "Do plants need less water in winter?",
        "Usually yes, most houseplants grow slower and need less.",
    ),
    ("How long should I rest between sets?", "One to two minutes for most sets is fine."),
    ("Best way to keep herbs fresh?", "Stems in a glass of water, loosely covered, in the fridge."),
    ("How do I convert 180 C to Fahrenheit?", "356 F."),
    ("Tell me a joke.", "Why did the scarecrow get promoted? He was outstanding in his field."),
    ("What's the capital of Australia?", "Canberra."),
    (
        "Should I reply to work email at night?",
        "Only if it's urgent; schedule the reply for the morning otherwise.",
    ),
    (
        "How do you fold a fitted sheet?",
        "Tuck the corners into each other, then fold it into a rectangle. Or just roll it.",
    ),
    ("What's a quick healthy snack?", "Greek yoghurt with fruit, or a handful of nuts."),
    (
        "Can you help me write a polite no?",
        "Sure: 'Thanks for thinking of me, but I can't take this on right now.'",
    ),
    ("How often should I water a cactus?", "Every two to three weeks, less in winter."),
    ("What rhymes with orange?", "Nothing perfectly. 'Door hinge' if you squint."),
    ("Is 7 hours of sleep enough?", "For most adults 7 to 9 hours is the range."),
    (
        "Quick dinner idea without meat?",
        "Pasta with lemon, garlic, spinach and a fried egg on top.",
    ),
)
SIGN_OFFS = ("Bye for now.", "Cheers!", "Later!", "Thanks Mnemo.", "That's it for now.")
SIGN_OFFS_AM = ("Right, gotta run.", "Ok, off I go.", "Right, back to it.")
SIGN_OFFS_PM = (
    "Ok, night!", "That's it for today.", "Thanks, talk tomorrow.", "Ok going to bed.",
    "Good night :)",
)  # fmt: skip
SIGN_OFF_REPLIES = ("Talk soon.", "Bye!", "Anytime.", "See you!")
SIGN_OFF_REPLIES_AM = ("Have a good day!", "Good luck today!")
SIGN_OFF_REPLIES_PM = ("Good night!", "Sleep well.")
ACKS = (
    "Noted.", "Got it.", "Got it, I'll remember that.", "Okay, saved.", "Thanks, noted.",
    "Understood.", "Noted, thanks for telling me.", "Okay!", "I'll keep that in mind.", "Saved.",
    "Okay, I've made a note.", "Good to know.",
)  # fmt: skip
UPDATE_ACKS = (
    "Okay, I've updated that.", "Updated.", "Got it, I'll use the new one.",
    "Noted, thanks for the update.", "Okay, changed.",
)  # fmt: skip
REACTIONS = (
    "Sounds lovely!", "Nice one!", "Glad it went well.", "Oh nice.", "That sounds fun.",
    "Good for you!", "Sounds like a good day.", "Love that.", "Well done!", "Ha, nice.",
)  # fmt: skip
NO_MEMORY_TEXTS: frozenset[str] = frozenset(
    (
        *GREETINGS,
        *GREETINGS_AM,
        *GREETINGS_PM,
        *GREETING_REPLIES,
        *GREETING_REPLIES_AM,
        *GREETING_REPLIES_PM,
        *SMALL_TALK,
        *SMALL_TALK_AM,
        *SMALL_TALK_PM,
        *SMALL_TALK_REPLIES,
        *SIGN_OFFS,
        *SIGN_OFFS_AM,
        *SIGN_OFFS_PM,
        *SIGN_OFF_REPLIES,
        *SIGN_OFF_REPLIES_AM,
        *SIGN_OFF_REPLIES_PM,
        *ACKS,
        *UPDATE_ACKS,
        *REACTIONS,
        *(q for q, _ in QA_PAIRS),
        *(a for _, a in QA_PAIRS),
    )
)


def is_small_talk(line: Line) -> bool:
    """A chat line holding nothing to remember: greetings, chit-chat, acknowledgements."""
    return line.source == "chat" and line.text in NO_MEMORY_TEXTS


# --- persona pools ------------------------------------------------------------------------------

_USER_FIRST = ("Maya", "Clara", "Elena", "Daniel", "Felix", "Rui", "Lena", "Tomasz", "Aino", "Sven")
_USER_LAST = (
    "Lindqvist", "Oliveira", "Brandt", "Kowalczyk", "Nieminen", "Ferraro", "Dekker", "Almeida",
)  # fmt: skip
_FEMALE = (
    "Marta", "Sofia", "Lotte", "Freya", "Noor", "Elif", "Greta", "Yara", "Carla", "Petra", "Sigrid",
    "Pilar", "Ingrid", "Dagny", "Niamh", "Leonie", "Amaia", "Beatriz", "Johanna", "Roisin",
)  # fmt: skip
_MALE = (
    "Jonas", "Farid", "Pedro", "Lukas", "Ruben", "Nils", "Matteo", "Anton", "Kasimir", "Oskar",
    "Hugo", "Tiago", "Viktor", "Rasmus", "Tobias", "Laurens", "Joaquim", "Arjun", "Stellan",
    "Duarte",
)  # fmt: skip
_MOTHERS = ("Helena", "Margarida", "Ursula", "Annelies", "Dorota", "Birgit", "Maureen")
_KIDS_F = ("Mila", "Frida", "Aurora", "Thea")
_KIDS_M = ("Leo", "Otto", "Bruno", "Elias")
# home cities, with their airport code
_HOME_CITIES = {
    "Utrecht": "AMS", "Berlin": "BER", "Lisbon": "LIS", "Leipzig": "LEJ", "Ghent": "BRU",
    "Lyon": "LYS", "Gothenburg": "GOT", "Bologna": "BLQ", "Edinburgh": "EDI", "Krakow": "KRK",
}  # fmt: skip
_SIBLING_CITIES = ("Porto", "Seville", "Bergen", "Tallinn", "Galway", "Trieste", "Graz")
_FRIEND_CITIES = ("Antwerp", "Rotterdam", "Bilbao", "Aarhus", "Salzburg", "Turku")
_HOMETOWNS = ("Coimbra", "Haarlem", "Tampere", "Bruges", "Ravenna", "Kalmar")
_OTHER_CITIES = ("Madrid", "Dublin", "Zurich", "Oslo", "Marseille")
# city, airport, airline, short airline name, mail domain, flight prefix
_TRIPS = (
    ("Rome", "FCO", "ITA Airways", "ITA Airways", "ita-airways.com", "AZ"),
    ("Barcelona", "BCN", "Vueling", "Vueling", "vueling.com", "VY"),
    ("Vienna", "VIE", "Austrian Airlines", "Austrian", "austrian.com", "OS"),
    ("Copenhagen", "CPH", "SAS Scandinavian Airlines", "Scandinavian", "flysas.com", "SK"),
    ("Prague", "PRG", "Smartwings", "Smartwings", "smartwings.com", "QS"),
    ("Athens", "ATH", "Aegean Airlines", "Aegean", "aegeanair.com", "A3"),
)  # fmt: skip
_HOTELS = ("Hotel Lumen", "Albergo Cestari", "Casa Vitoria", "Hotel Aurora", "The Rookery Inn")
_CONFS = ("DataCraft Summit", "OpenMaps Forum", "Frontier Dev Days", "CivicTech Europe")
# name, what it does, short code used in Slack/repos, office street
_EMPLOYERS = (
    ("Northwind Freight", "routing software for freight", "northwind", "Canal Street 14"),
    ("Helio Analytics", "energy forecasting", "helio", "Market Square 8"),
    ("Brightloom", "a booking platform for small hotels", "brightloom", "Station Road 3"),
    ("Kestrel Health", "software for clinics", "kestrel", "Mill Lane 21"),
    ("Tidewater Labs", "water quality sensors", "tidewater", "Dock Road 9"),
    ("Quillhouse", "publishing tools", "quillhouse", "Orchard Way 40"),
)  # fmt: skip
_ROLES = (
    ("data analyst", "senior data engineer"), ("backend developer", "staff engineer"),
    ("UX designer", "design lead"), ("QA engineer", "test automation lead"),
    ("product manager", "head of product"),
)  # fmt: skip
_DENTISTS = ("Dr. Novak", "Dr. Haddad", "Dr. Lindgren", "Dr. Mensah", "Dr. Varga", "Dr. Quintero")
_GPS = ("Dr. Okafor", "Dr. Brennan", "Dr. Maalouf", "Dr. Rossi", "Dr. Achterberg")
_VETS = ("Dr. Moreau", "Dr. Hale", "Dr. Quist", "Dr. Byrne")
_DOGS = ("Biscuit", "Pepper", "Juno", "Olive", "Waffles", "Ziggy")
_BREEDS = ("beagle", "border collie", "dachshund", "whippet", "cocker spaniel")
_CAT_PAIRS = (("Miso", "Mochi"), ("Tofu", "Toffee"), ("Luna", "Lupa"), ("Nori", "Noodle"))
_FOODS = (
    "ramen", "pho", "bibimbap", "paella", "pierogi", "green curry", "lasagne", "tacos", "bacalhau",
)  # fmt: skip
_CARS = (
    ("Volkswagen Golf", "Golf"), ("Toyota Yaris", "Yaris"), ("Skoda Octavia", "Octavia"),
    ("Kia Niro", "Niro"), ("Volvo V60", "Volvo"), ("Fiat 500", "Fiat"), ("Mazda CX-30", "Mazda"),
)  # fmt: skip
_PARTNER_CARS = ("Renault Clio", "Opel Corsa", "Peugeot 208")
_PHONES = (
    ("Pixel 7", "Pixel"), ("iPhone 13", "iPhone"), ("Galaxy S23", "Galaxy"),
    ("Fairphone 5", "Fairphone"),
)  # fmt: skip
_GYM_PAIRS = (("Tuesday", "Thursday"), ("Monday", "Wednesday"), ("Saturday", "Sunday"))
_SPOKEN = ("Portuguese", "German", "French", "Polish", "Dutch", "Swedish")
_LEARNING = ("Italian", "Spanish", "Greek", "Danish", "Czech")
_ALLERGENS = ("penicillin", "hazelnuts", "shellfish", "latex", "sesame", "kiwi")
_FOOD_ALLERGENS = ("hazelnuts", "shellfish", "sesame", "kiwi")
_INSTRUMENTS = ("cello", "guitar", "piano", "trumpet", "accordion")
_JOBS = (
    ("nurse", "is a nurse at the children's hospital"), ("architect", "works as an architect"),
    ("teacher", "works as a maths teacher at a secondary school"),
    ("pharmacist", "is a pharmacist in the old town"),
    ("physiotherapist", "works as a physiotherapist"), ("translator", "works as a translator"),
)  # fmt: skip
_FRIEND_WORK = ("a brewery", "the city library", "a bike shop", "the botanical garden", "a bakery")
_RESTAURANTS = (
    "Nando's", "Wagamama", "Bar Celeste", "Cantina Rosa", "The Green Fork", "Pho Saigon",
    "Tasca do Bairro", "Curry Leaf", "Pizzeria Da Gino", "Falafel Corner", "Sushi Ko",
)  # fmt: skip
_FILMS = ("Past Lives", "Perfect Days", "Anatomy of a Fall", "Aftersun", "Poor Things", "Paterson")
_BANDS = ("The Lantern Club", "Velvet Orchard", "Northern Static", "Mavis & the Moths")
_HIKES = (
    "the coastal path", "the ridge trail above the lake", "the old railway trail",
    "the river gorge",
)  # fmt: skip
_REPORTS = ("the Q1 planning doc", "the annual security review", "the migration post-mortem")
_BANKS = ("Meridian Bank", "Caixa Azul", "Nordbank", "Banco Sol")
_ROOMS = ("Atlas", "Boreal", "Cedar", "Delta", "Ember")
_COFFEES = (
    ("oat flat white", "flat white"), ("cortado", "cortado"), ("americano", "americano"),
    ("cappuccino", "cappuccino"), ("iced latte", "latte"),
)  # fmt: skip
_COMMUTE_OLD = (
    ("I cycle to work, about twenty minutes", "cycle"), ("I walk to the office", "walk"),
)  # fmt: skip
_COMMUTE_NEW = (
    ("I take the tram to work now", "tram"), ("I take the metro to work now", "metro"),
    ("I take the ferry to work now", "ferry"),
)  # fmt: skip
# dish, question about the page, its answer, ingredients
_RECIPES = (
    (
        "banana bread",
        "How much flour does the banana bread recipe I looked at need?",
        "250 g",
        (
            "3 ripe bananas",
            "250 g flour",
            "100 g butter",
            "2 eggs",
            "1 tsp baking soda",
            "120 g brown sugar",
        ),
    ),
    (
        "focaccia",
        "How much water goes into the focaccia recipe I looked at?",
        "400 ml",
        (
            "500 g flour",
            "400 ml warm water",
            "7 g dried yeast",
            "2 tsp salt",
            "6 tbsp olive oil",
            "rosemary",
        ),
    ),
    (
        "lentil dal",
        "How much coconut milk does the dal recipe I looked at use?",
        "400 ml",
        (
            "200 g red lentils",
            "1 onion",
            "3 garlic cloves",
            "1 tbsp curry powder",
            "400 ml coconut milk",
        ),
    ),
)
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six")


def _an(word: str) -> str:
    return ("an " if word[0].lower() in "aeiou" else "a ") + word


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


@dataclass(frozen=True)
class _Person:
    name: str
    he: str

    @property
    def his(self) -> str:
        return "his" if self.he == "he" else "her"

    @property
    def him(self) -> str:
        return "him" if self.he == "he" else "her"


@dataclass(eq=False)
class _Draft:
    """A line before ids are given: chat turns get their time when the day's session is laid out."""

    source: str
    text: str
    speaker: str | None = None
    app: str | None = None
    window: str | None = None
    when: datetime | None = None
    session: str | None = None
    line_id: str = ""


@dataclass(eq=False)
class _QDraft:
    question: str
    category: str
    evidence: list[_Draft]
    answer: tuple[str, ...]
    asked: Callable[[], datetime] | None = None
    stale: list[_Draft] = field(default_factory=list)
    stale_answer: tuple[str, ...] = ()


@dataclass(frozen=True)
class _EpisodeSpec:
    fraction: float
    weekdays: Sequence[int]
    same_day: tuple[str, ...]
    make: Callable[[str], str]
    what: tuple[str, ...]  # answers to "what did I do on <day>?"
    when_question: str
    single: tuple[str, tuple[str, ...]] | None  # a single-fact question on the same line


@dataclass(frozen=True)
class _Absent:
    question: str
    patterns: tuple[str, ...]  # regexes that must match no line (lower-cased)


# --- the generator ------------------------------------------------------------------------------


class _Life:
    def __init__(self, seed: int, days: int, start: date) -> None:
        if days < MIN_DAYS:
            raise ValueError(f"days must be at least {MIN_DAYS}, got {days}")
        self.rng = random.Random(seed)
        self.days = days
        self.start = start
        self.end = datetime.combine(start + timedelta(days=days), time(9, 0), TZ)
        self.items: dict[int, list[tuple[float, list[_Draft]]]] = {}
        self.evening: set[int] = set()
        self.screens: list[_Draft] = []
        self.questions: list[_QDraft] = []
        self.absent: list[_Absent] = []
        self.episode_days: set[int] = set()
        self.lunch_weeks: set[tuple[int, int]] = set()
        self.taken: set[str] = set()
        self.decks: dict[object, list[int]] = {}

    # -- helpers ---------------------------------------------------------------------------------

    def day(self, i: int) -> date:
        return self.start + timedelta(days=i)

    def at(self, fraction: float) -> int:
        return max(0, min(self.days - 1, round(fraction * (self.days - 1))))

    def pick(self, pool: Sequence[str]) -> str:
        """A pool member not used for anything else in this life (names, cities, places)."""
        free = [x for x in pool if x not in self.taken]
        choice = self.rng.choice(free)
        self.taken.add(choice)
        return choice

    def person(self, he: str | None = None) -> _Person:
        he = he or self.rng.choice(("he", "she"))
        return _Person(self.pick(_MALE if he == "he" else _FEMALE), he)

    def deal(self, pool: tuple[str, ...]) -> str:
        """Draw from a shuffled deck, reshuffling when empty, so small talk rarely repeats soon."""
        return pool[self.deal_index(pool, len(pool))]

    def deal_index(self, name: object, size: int) -> int:
        deck = self.decks.setdefault(name, [])
        if not deck:
            deck.extend(range(size))
            self.rng.shuffle(deck)
        return deck.pop()

    def say(
        self,
        day: int,
        text: str,
        reply: str | None = "ack",
        *,
        evening: bool = False,
        pos: float | None = None,
    ) -> _Draft:
        """A user turn (and the assistant's reply) in the chat session of `day`."""
        user = _Draft("chat", text, speaker="me")
        turns = [user]
        if reply == "ack":
            reply = self.deal(ACKS) if self.rng.random() < 0.8 else None
        elif reply == "update":
            reply = self.deal(UPDATE_ACKS)
        elif reply == "react":
            reply = self.deal(REACTIONS) if self.rng.random() < 0.85 else None
        if reply is not None:
            turns.append(_Draft("chat", reply, speaker="Mnemo"))
        self.items.setdefault(day, []).append((self.rng.random() if pos is None else pos, turns))
        if evening:
            self.evening.add(day)
        return user

    def ask_mnemo(self, day: int, question: str, answer: str) -> _Draft:
        """The user asks, the assistant answers with something worth keeping; returns the answer."""
        reply = _Draft("chat", answer, speaker="Mnemo")
        self.items.setdefault(day, []).append(
            (self.rng.random(), [_Draft("chat", question, speaker="me"), reply])
        )
        return reply

    def screen(
        self, day: int, app: str, window: str, text: str, hour: tuple[int, int] | None = None
    ) -> _Draft:
        if hour is None:
            hour = (self.rng.randint(9, 17), self.rng.randint(0, 59))
        when = datetime.combine(self.day(day), time(hour[0], hour[1], self.rng.randint(0, 59)), TZ)
        draft = _Draft("screen", text, app=app, window=window, when=when)
        self.screens.append(draft)
        return draft

    def ask(
        self,
        category: str,
        question: str,
        evidence: Sequence[_Draft],
        answer: Sequence[str],
        asked: Callable[[], datetime] | None = None,
        stale: Sequence[_Draft] = (),
        stale_answer: Sequence[str] = (),
    ) -> None:
        self.questions.append(
            _QDraft(
                question,
                category,
                list(evidence),
                tuple(dict.fromkeys(answer)),
                asked,
                list(stale),
                tuple(dict.fromkeys(stale_answer)),
            )
        )

    def alloc(self, fraction: float, weekdays: Sequence[int] = range(7), lead: int = 0) -> int:
        """The free day nearest to `fraction` of the span, on one of `weekdays`, for an episode."""
        target = self.at(fraction)
        for delta in sorted(range(-self.days, self.days), key=lambda d: (abs(d), d)):
            i = target + delta
            if (
                lead <= i < self.days - 7
                and i not in self.episode_days
                and self.day(i).weekday() in weekdays
            ):
                self.episode_days.add(i)
                return i
        raise ValueError("no free day for an episode")

    def when_phrase(self, event: int, told: int, same_day: Sequence[str]) -> str:
        """How the user refers to day `event` when talking on day `told`."""
        k = told - event
        wd = WEEKDAYS[self.day(event).weekday()]
        if k == 0:
            return self.rng.choice(same_day)
        if k == 1:
            return "yesterday"
        if k == 2:
            return self.rng.choice(("the day before yesterday", "two days ago", f"last {wd}"))
        # not a bare "on Friday": without a past-tense cue a reader takes it for the coming one
        return self.rng.choice((f"last {wd}", f"{_NUMBER_WORDS[k]} days ago"))

    def episode(
        self,
        fraction: float,
        make: Callable[[str], str],
        *,
        weekdays: Sequence[int] = range(7),
        offsets: Sequence[int] = (0, 0, 1, 1, 1, 2, 3),
        same_day: Sequence[str] = ("today",),
    ) -> tuple[_Draft, int, int]:
        """A dated happening told that day or a few days later; returns (line, event, told)."""
        event = self.alloc(fraction, weekdays)
        told = event + self.rng.choice(offsets)
        text = make(self.when_phrase(event, told, same_day))
        draft = self.say(told, _cap(text), "react", evening=told == event)
        return draft, event, told

    def after(self, draft: _Draft, minutes: int = 45) -> Callable[[], datetime]:
        return lambda: _require(draft.when) + timedelta(minutes=minutes)

    def on_day(self, i: int, hour: int = 12) -> Callable[[], datetime]:
        when = datetime.combine(self.day(i), time(hour, self.rng.randint(0, 59)), TZ)
        return lambda: when


def _require(when: datetime | None) -> datetime:
    if when is None:
        raise AssertionError("line has no time yet")
    return when


# --- the story ----------------------------------------------------------------------------------


class _Story(_Life):
    def __init__(self, seed: int, days: int, start: date) -> None:
        super().__init__(seed, days, start)
        rng = self.rng
        self.first = self.pick(_USER_FIRST)
        self.last = self.pick(_USER_LAST)
        self.full = f"{self.first} {self.last}"
        cities = rng.sample(list(_HOME_CITIES), 3)
        self.taken.update(cities)
        self.city_a, self.city_b, self.city_c = cities
        self.sibling = self.person()
        self.sibling_word = "sister" if self.sibling.he == "she" else "brother"
        self.other_sibling_word = "brother" if self.sibling_word == "sister" else "sister"
        self.partner = self.person()
        self.friend = self.person()
        self.sib_partner = self.person("he" if self.sibling.he == "she" else "she")
        self.mum = _Person(self.pick(_MOTHERS), "she")
        kid_he = rng.choice(("he", "she"))
        self.kid = _Person(self.pick(_KIDS_M if kid_he == "he" else _KIDS_F), kid_he)
        self.friend_kid = _Person(self.pick(_KIDS_F), "she")
        self.colleagues_x = [self.person() for _ in range(5)]
        self.colleagues_y = [self.person() for _ in range(5)]
        self.manager_x, self.manager_y = self.colleagues_x[0], self.colleagues_y[0]
        self.lunch_people = [self.person() for _ in range(2)]
        self.sibling_city = self.pick(_SIBLING_CITIES)
        self.friend_city = self.pick(_FRIEND_CITIES)
        self.hometown = self.pick(_HOMETOWNS)
        trip = rng.choice(_TRIPS)
        (
            self.trip_city,
            self.trip_iata,
            self.airline,
            self.airline_short,
            self.air_domain,
            self.air_prefix,
        ) = trip
        self.other_airline = rng.choice([t[2] for t in _TRIPS if t[0] != self.trip_city])
        self.hotel = self.pick(_HOTELS)
        self.conf = self.pick(_CONFS)
        emp = rng.sample(_EMPLOYERS, 2)
        self.emp_x, self.emp_y = emp[0], emp[1]
        self.role_old, self.role_new = rng.choice(_ROLES)
        d = rng.sample(_DENTISTS, 2)
        self.dentist_old, self.dentist_new = d[0], d[1]
        self.gp = self.pick(_GPS)
        self.vet = self.pick(_VETS)
        self.dog = self.pick(_DOGS)
        self.breed = rng.choice(_BREEDS)
        self.cat_wrong, self.cat_right = rng.choice(_CAT_PAIRS)
        foods = rng.sample(_FOODS, 2)
        self.food_old, self.food_new = foods
        cars = rng.sample(_CARS, 2)
        self.car_old, self.car_new = cars
        self.partner_car = rng.choice(_PARTNER_CARS)
        phones = rng.sample(_PHONES, 2)
        self.phone_old, self.phone_new = phones
        gyms = rng.sample(_GYM_PAIRS, 2)
        self.gym_old, self.gym_new = gyms
        self.spoken = rng.sample(_SPOKEN, 1)[0]
        langs = rng.sample(_LEARNING, 2)
        self.lang_old, self.lang_new = langs
        self.allergies = rng.sample(_ALLERGENS, 2)
        self.partner_allergy = rng.choice([a for a in _FOOD_ALLERGENS if a not in self.allergies])
        self.instrument = rng.choice(_INSTRUMENTS)
        jobs = rng.sample(_JOBS, 2)
        self.sibling_job, self.partner_job = jobs
        self.friend_work = rng.choice(_FRIEND_WORK)
        self.bank = rng.choice(_BANKS)
        self.room = rng.choice(_ROOMS)
        self.recipe = rng.choice(_RECIPES)
        coffees = rng.sample(_COFFEES, 2)
        self.coffee_old, self.coffee_new = coffees
        self.commute_old = rng.choice(_COMMUTE_OLD)
        self.commute_new = rng.choice(_COMMUTE_NEW)
        self.birthday = self.day(self.at(rng.uniform(0.3, 0.9)))
        self.partner_birthday = self.day(self.at(rng.uniform(0.2, 0.95)))
        self.sibling_birthday = self.day(self.at(rng.uniform(0.2, 0.95)))
        self.friend_birthday = self.day(self.at(rng.uniform(0.2, 0.95)))
        self.move_b = self.alloc(0.24, weekdays=(5,))
        self.move_c = self.alloc(0.72, weekdays=(5,))
        self.job_start = self.alloc(0.5, weekdays=(0,))
        self.last_day_x = self.job_start - 3  # the Friday before

    def diary(self, i: int) -> str | None:
        """A passing remark with a little of this life in it but nothing a question asks about."""
        p, f, s, m = self.partner.name, self.friend.name, self.sibling.name, self.mum.name
        remarks = (
            f"{p} wants a second dog, I'm not convinced.",
            "Thinking about repainting the bedroom, maybe green.",
            f"I really should call {m} more often.",
            f"{self.dog} has been stealing socks again.",
            "The project at work keeps slipping, classic.",
            "I want to read more fiction this year.",
            "Trying to cut down on sugar, going badly.",
            f"Need to find a present for {f}, no ideas yet.",
            f"{p} is working late all week, the flat is so quiet.",
            "I'd love to learn to bake proper bread.",
            "The cat knocked a glass off the table again.",
            "Considering a standing desk.",
            "We should plan a holiday for the summer.",
            f"{s} sent me the funniest meme.",
            "I keep meaning to fix the wobbly chair.",
            "I think I need new running shoes.",
            "Want to try that new bakery on the corner.",
            f"{f} and I keep saying we'll meet up and never do.",
            "The balcony plants are not doing well.",
            "I should really back up my photos.",
            f"Rents in {self.city_on(i)} are insane.",
            "Pondering a pottery class, we'll see.",
            "Trying to go to bed before eleven this week.",
            f"{p} and I are hooked on a Nordic crime show.",
            "I miss summer.",
            "Budget is tight this month, no more takeaways.",
            "I need to sort out my taxes soon.",
            f"{self.dog} needs a new lead, chewed through the old one.",
            "The orchestra is doing Dvorak this season, it's hard.",
            "Maybe I'll start journaling again.",
        )
        return remarks[self.deal_index("diary", len(remarks))]

    # who and where, on a given day
    def city_on(self, i: int) -> str:
        return self.city_a if i <= self.move_b else self.city_b if i <= self.move_c else self.city_c

    def employer_on(self, i: int) -> tuple[str, str, str, str]:
        return self.emp_x if i < self.job_start else self.emp_y

    def colleagues_on(self, i: int) -> list[_Person]:
        return self.colleagues_x if i < self.job_start else self.colleagues_y

    def write(self) -> None:
        self.intro()
        self.family()
        self.health_and_home()
        self.moves_and_work()
        self.trip()
        self.screen_facts()
        self.gadgets_and_habits()
        self.plans()
        self.episodes()
        self.procedures()
        self.abstentions()

    # -- lasting facts ---------------------------------------------------------------------------

    def intro(self) -> None:
        rng, p = self.rng, self.partner
        self.say(
            0,
            "Hi! Finally setting you up properly.",
            "Hello! Tell me a bit about yourself and I'll keep track of what matters.",
            pos=-2,
            evening=True,
        )
        name = self.say(
            0,
            rng.choice((f"My name is {self.full}.", f"I'm {self.full}, nice to meet you.")),
            pos=0,
        )
        city = self.say(
            0,
            rng.choice(
                (
                    f"I live in {self.city_a}, in a small flat near the station.",
                    f"I'm based in {self.city_a}, have been for about four years.",
                )
            ),
            pos=0.1,
        )
        x, what, _, _ = self.emp_x
        job = self.say(
            0,
            rng.choice(
                (
                    f"I work at {x} as {_an(self.role_old)}; we make {what}.",
                    f"I'm {_an(self.role_old)} at {x}, they do {what}.",
                )
            ),
            pos=0.2,
        )
        partner = self.say(
            0,
            rng.choice(
                (
                    f"I live with my partner {p.name}; we've been together six years.",
                    f"My partner is called {p.name}, we met at university.",
                )
            ),
            pos=0.3,
        )
        dog = self.say(
            1,
            rng.choice(
                (
                    f"We have {_an(self.breed)} called {self.dog}, three years old and very "
                    "spoiled.",
                    f"Our dog {self.dog} is {_an(self.breed)}. Best dog in the world, obviously.",
                )
            ),
        )
        hometown = self.say(
            self.at(0.08), f"I grew up in {self.hometown}, a small place, everyone knows everyone."
        )
        langs = self.say(
            2,
            f"I speak {self.spoken} and English, and I'm slowly getting better at {self.lang_old}.",
        )
        music = self.say(
            self.at(0.1),
            rng.choice(
                (
                    f"I play the {self.instrument} in an amateur orchestra, rehearsals are on "
                    "Wednesday nights.",
                    f"Been playing the {self.instrument} since I was nine, still in a little "
                    "amateur orchestra.",
                )
            ),
        )
        bday = self.say(
            3, f"My birthday is on {long_date(self.birthday)}, in case you need to know."
        )
        self.facts = {"name": name, "city": city, "job": job, "partner": partner, "dog": dog}
        self.ask("single", "What's my surname?", [name], [self.last])
        self.ask("single", "What is my partner called?", [partner], [p.name])
        self.ask("single", "What breed is our dog?", [dog], [self.breed])
        self.ask("single", "What's the dog's name?", [dog], [self.dog])
        self.ask("single", "Where did I grow up?", [hometown], [self.hometown])
        self.ask("single", "Besides English, which language do I speak?", [langs], [self.spoken])
        self.ask("single", "Which instrument do I play?", [music], [self.instrument])
        self.ask("single", "When is my birthday?", [bday], date_forms(self.birthday))
        self.langs_line = langs

    def family(self) -> None:
        rng, s, p, f = self.rng, self.sibling, self.partner, self.friend
        rel = self.say(
            2,
            rng.choice(
                (
                    f"{s.name} is my {self.sibling_word}, two years younger than me.",
                    f"My {self.sibling_word}'s name is {s.name}, we talk almost every day.",
                )
            ),
        )
        self.ask("single", f"What's my {self.sibling_word}'s name?", [rel], [s.name])
        city = self.say(
            self.at(0.2),
            rng.choice(
                (
                    f"{s.name} just moved to {self.sibling_city}, {s.he} says the rent is half of "
                    "what it was.",
                    f"Big news: {s.name} has moved to {self.sibling_city} for good.",
                )
            ),
        )
        self.ask(
            "multi-hop",
            f"Where does my {self.sibling_word} live?",
            [rel, city],
            [self.sibling_city],
        )
        job_word, job_phrase = self.sibling_job
        job = self.say(
            self.at(0.13), f"{s.name} {job_phrase}, and {s.he} just got {s.his} contract renewed."
        )
        self.ask(
            "multi-hop",
            f"What does my {self.sibling_word} do for a living?",
            [rel, job],
            [job_word],
        )
        sp = self.sib_partner
        engaged = self.say(
            self.at(0.3), f"{s.name} and {sp.name} got engaged!! Didn't see that coming.", "react"
        )
        self.ask(
            "multi-hop", f"Who is my {self.sibling_word} engaged to?", [rel, engaged], [sp.name]
        )
        kid_word = "nephew" if self.kid.he == "he" else "niece"
        kid = self.say(
            self.at(0.17),
            f"{s.name}'s little one {self.kid.name} turned four, video-called the party.",
        )
        self.ask("multi-hop", f"What's my {kid_word}'s name?", [rel, kid], [self.kid.name])
        self.ask("multi-hop", f"How old is my {kid_word}?", [rel, kid], ["four"])
        bday = self.say(
            self.at(0.11), f"Note: {s.name}'s birthday is on {long_date(self.sibling_birthday)}."
        )
        self.ask(
            "multi-hop",
            f"When is my {self.sibling_word}'s birthday?",
            [rel, bday],
            date_forms(self.sibling_birthday),
        )
        # partner
        pjob_word, pjob_phrase = self.partner_job
        pjob = self.say(self.at(0.15), f"{p.name} {pjob_phrase} and loves it, mostly.")
        self.ask(
            "multi-hop",
            "What does my partner do for work?",
            [self.facts["partner"], pjob],
            [pjob_word],
        )
        pall = self.say(
            self.at(0.27),
            f"{p.name} is allergic to {self.partner_allergy}, so no {self.partner_allergy} at "
            "home.",
        )
        self.ask(
            "multi-hop",
            "What is my partner allergic to?",
            [self.facts["partner"], pall],
            [self.partner_allergy],
        )
        pbd = self.say(
            self.at(0.06),
            f"{p.name}'s birthday is {long_date(self.partner_birthday)}, I must not forget.",
        )
        self.ask(
            "multi-hop",
            "When is my partner's birthday?",
            [self.facts["partner"], pbd],
            date_forms(self.partner_birthday),
        )
        climb = self.say(
            self.at(0.4),
            f"{p.name} signed up for a bouldering gym, {p.he} came home with bloody fingers.",
        )
        self.ask(
            "multi-hop",
            "What sport did my partner take up?",
            [self.facts["partner"], climb],
            ["bouldering"],
        )
        pcar = self.say(
            self.at(0.34), f"{p.name}'s {self.partner_car} broke down again, third time this year."
        )
        self.ask(
            "multi-hop",
            "What car does my partner have?",
            [self.facts["partner"], pcar],
            [self.partner_car],
        )
        # best friend
        frel = self.say(
            self.at(0.05),
            f"{f.name} is my best friend since school; {f.he}'s the one who got me into hiking.",
        )
        fwork = self.say(
            self.at(0.33), f"{f.name} started a new job at {self.friend_work}, {f.he} seems happy."
        )
        fcity = self.say(
            self.at(0.09),
            f"{f.name} lives in {self.friend_city} now, I miss having {f.him} around.",
        )
        fkid = self.say(
            self.at(0.57),
            f"{f.name} and {f.his} partner had a baby girl, {self.friend_kid.name}!",
            "react",
        )
        fbd = self.say(
            self.at(0.22),
            f"{f.name}'s birthday is {long_date(self.friend_birthday)}, remind me to send "
            "something.",
        )
        self.ask("multi-hop", "Where does my best friend work?", [frel, fwork], [self.friend_work])
        self.ask(
            "multi-hop",
            "Which city does my best friend live in?",
            [frel, fcity],
            [self.friend_city],
        )
        self.ask(
            "multi-hop",
            "What's the name of my best friend's baby?",
            [frel, fkid],
            [self.friend_kid.name],
        )
        self.ask(
            "multi-hop",
            "When is my best friend's birthday?",
            [frel, fbd],
            date_forms(self.friend_birthday),
        )
        # mum
        m = self.mum
        mrel = self.say(self.at(0.04), f"My mum is {m.name}; she calls every Sunday without fail.")
        mcity = self.say(
            self.at(0.19), f"{m.name} still lives in {self.hometown}, in the house I grew up in."
        )
        mjob = self.say(
            self.at(0.44), f"{m.name} finally retired from teaching piano after forty years."
        )
        self.ask("multi-hop", "Where does my mother live?", [mrel, mcity], [self.hometown])
        self.ask(
            "multi-hop",
            "What did my mum do before she retired?",
            [mrel, mjob],
            ["teaching piano", "piano"],
        )

    def health_and_home(self) -> None:
        rng = self.rng
        gp = self.say(
            1,
            rng.choice(
                (
                    f"My GP is {self.gp}, at the practice round the corner.",
                    f"Doctor-wise I'm with {self.gp}, the GP near our place.",
                )
            ),
        )
        self.gp_line = gp
        self.ask("single", "Who's my GP?", [gp], [self.gp, self.gp.split()[-1]])
        a, b = self.allergies
        allergy = self.say(3, f"Important: I'm allergic to {a} and {b}.")
        self.ask("single", "What am I allergic to?", [allergy], [a, b])
        vet_day = self.alloc(0.36)
        vet = self.say(
            vet_day,
            f"Took {self.dog} to {self.vet} for the yearly jabs today, {self.dog} was very brave.",
            evening=True,
        )
        self.ask(
            "multi-hop",
            "Who is our dog's vet?",
            [self.facts["dog"], vet],
            [self.vet, self.vet.split()[-1]],
        )
        # the cat: a name given, then corrected
        wrong = self.say(4, f"We also have a cat, {self.cat_wrong}, who hates the dog.")
        fix_day = self.at(0.1)
        right = self.say(
            fix_day,
            rng.choice(
                (
                    f"Small correction: our cat is {self.cat_right}, not {self.cat_wrong}. "
                    f"{self.cat_wrong} is the neighbours' cat, I mix them up.",
                    f"Wait, I told you the cat is {self.cat_wrong}? It's {self.cat_right}. "
                    "Autocorrect, sorry.",
                )
            ),
            "update",
        )
        self.ask(
            "update",
            "What's our cat called?",
            [right],
            [self.cat_right],
            stale=[wrong],
            stale_answer=[self.cat_wrong],
        )
        # dentist
        old = self.say(
            self.at(0.08), f"My dentist is {self.dentist_old}, the one on the market square."
        )
        new = self.say(
            self.at(0.55),
            rng.choice(
                (
                    f"I switched dentists, I'm with {self.dentist_new} now. Much nicer.",
                    f"New dentist: {self.dentist_new}. {self.dentist_old} was too far after the "
                    "move.",
                )
            ),
            "update",
        )
        self.ask(
            "update",
            "Who's my dentist?",
            [new],
            [self.dentist_new.split()[-1]],
            stale=[old],
            stale_answer=[self.dentist_old.split()[-1]],
        )
        self.dentist_lines = (old, new)

    def moves_and_work(self) -> None:
        rng = self.rng
        move_told = self.move_b + rng.choice((1, 2))
        when = self.when_phrase(self.move_b, move_told, ("today",))
        moved = self.say(
            move_told,
            _cap(f"{when} we moved into the new flat in {self.city_b}! Boxes everywhere."),
            "react",
        )
        self.ask(
            "temporal",
            f"When did I move to {self.city_b}?",
            [moved],
            date_forms(self.day(self.move_b)),
        )
        registration = self.ask_mnemo(
            move_told + 1,
            "What do I need to register my new address?",
            "To register the new address, book a slot at the town hall's registration office, then "
            "bring your ID and the landlord's confirmation form; you have two weeks after moving.",
        )
        self.ask(
            "single",
            "What documents do I need to register my address?",
            [registration],
            ["landlord's confirmation", "landlord"],
        )
        c_told = self.move_c + rng.choice((1, 2))
        now_c = self.say(
            c_told,
            rng.choice(
                (
                    f"I live in {self.city_c} now. {self.city_b} was fun but the new job is here.",
                    f"Officially a {self.city_c} resident since the weekend, the flat is tiny but "
                    "bright.",
                )
            ),
            "update",
        )
        stale_city = [self.facts["city"], moved]
        self.ask(
            "update",
            "Which city do I live in?",
            [now_c],
            [self.city_c],
            stale=stale_city,
            stale_answer=[self.city_a, self.city_b],
        )
        self.ask(
            "update",
            "Where's home for me these days?",
            [now_c],
            [self.city_c],
            stale=stale_city,
            stale_answer=[self.city_a, self.city_b],
        )
        # the job change
        x, y = self.emp_x[0], self.emp_y[0]
        mgr_old = self.say(
            5, f"My manager is {self.manager_x.name}, fair but very into spreadsheets."
        )
        self.say(
            self.job_start - 12,
            f"I accepted an offer at {y}! Telling {self.manager_x.name} tomorrow, nervous.",
            "react",
        )
        last = self.say(
            self.last_day_x, f"Last day at {x} today, they got me a cake.", "react", evening=True
        )
        first = self.say(
            self.job_start,
            rng.choice(
                (
                    f"First day at {y} today! Officially {_an(self.role_new)} now.",
                    f"Started at {y} today as {_an(self.role_new)}, my head is spinning.",
                )
            ),
            "react",
            evening=True,
        )
        self.episode_days.update({self.last_day_x})
        self.ask(
            "update",
            "Where do I work?",
            [first],
            [y],
            stale=[self.facts["job"], last],
            stale_answer=[x],
        )
        self.ask(
            "update",
            "Which company am I working for at the moment?",
            [first],
            [y],
            stale=[self.facts["job"], last],
            stale_answer=[x],
        )
        self.ask(
            "temporal",
            f"When was my last day at {x}?",
            [last],
            date_forms(self.day(self.last_day_x)),
        )
        self.ask(
            "update",
            "What's my job title?",
            [first],
            [self.role_new],
            stale=[self.facts["job"]],
            stale_answer=[self.role_old],
        )
        self.ask(
            "temporal", f"When did I start at {y}?", [first], date_forms(self.day(self.job_start))
        )
        mgr_new = self.say(
            self.job_start + 2,
            f"My new manager is {self.manager_y.name}, seems very chill.",
            "update",
        )
        self.ask(
            "update",
            "Who is my manager?",
            [mgr_new],
            [self.manager_y.name],
            stale=[mgr_old],
            stale_answer=[self.manager_x.name],
        )
        # commute
        c_old = self.say(self.at(0.12), f"{self.commute_old[0]}, it's the best part of the day.")
        c_new = self.say(
            c_told + 3, f"{self.commute_new[0]}, it's a nice ride along the river.", "update"
        )
        self.ask(
            "update",
            "How do I get to work these days?",
            [c_new],
            [self.commute_new[1]],
            stale=[c_old],
            stale_answer=[self.commute_old[1]],
        )

    def gadgets_and_habits(self) -> None:
        rng = self.rng
        p_old = self.say(4, f"My phone is a {self.phone_old[0]}, the battery is dying though.")
        pick_up = self.alloc(0.4, weekdays=(0, 1, 2, 3, 4, 5))
        told = pick_up + rng.choice((0, 1))
        when = self.when_phrase(pick_up, told, ("today", "this afternoon"))
        p_new = self.say(
            told,
            _cap(f"{when} I picked up my new {self.phone_new[0]}, moving everything over."),
            "update",
            evening=told == pick_up,
        )
        self.ask(
            "update",
            "What phone do I have?",
            [p_new],
            self.phone_new,
            stale=[p_old],
            stale_answer=[self.phone_old[1]],
        )
        self.ask("temporal", "When did I get my new phone?", [p_new], date_forms(self.day(pick_up)))
        car_old = self.say(
            self.at(0.07), f"I drive an old {self.car_old[0]}, it's held together by hope."
        )
        car_new = self.say(
            self.at(0.6),
            rng.choice(
                (
                    f"We sold the {self.car_old[1]} and bought a {self.car_new[0]}!",
                    f"New car! A second-hand {self.car_new[0]}. Goodbye, old {self.car_old[1]}.",
                )
            ),
            "update",
        )
        self.ask(
            "update",
            "What car do I drive?",
            [car_new],
            self.car_new,
            stale=[car_old],
            stale_answer=[self.car_old[1]],
        )
        g_old = self.say(
            3, f"I go to the gym on {self.gym_old[0]}s and {self.gym_old[1]}s, before work."
        )
        g_new = self.say(
            self.at(0.45),
            f"Changed my gym days to {self.gym_new[0]}s and {self.gym_new[1]}s, fits the new "
            "schedule better.",
            "update",
        )
        self.ask(
            "update",
            "Which days do I go to the gym?",
            [g_new],
            self.gym_new,
            stale=[g_old],
            stale_answer=self.gym_old,
        )
        f_old = self.say(
            self.at(0.09), f"My favourite food is {self.food_old}, I could eat it every day."
        )
        f_new = self.say(
            self.at(0.66),
            f"Okay, {self.food_new} is my new favourite food, sorry {self.food_old}.",
            "update",
        )
        self.ask(
            "update",
            "What's my favourite food?",
            [f_new],
            [self.food_new],
            stale=[f_old],
            stale_answer=[self.food_old],
        )
        l_new = self.say(
            self.at(0.7),
            f"Gave up on {self.lang_old}, I'm learning {self.lang_new} now, lessons on Mondays.",
            "update",
        )
        self.ask(
            "update",
            "Which language am I learning?",
            [l_new],
            [self.lang_new],
            stale=[self.langs_line],
            stale_answer=[self.lang_old],
        )
        co_old = self.say(self.at(0.03), f"My usual coffee order is {_an(self.coffee_old[0])}.")
        co_new = self.say(
            self.at(0.62), f"I've switched to {_an(self.coffee_new[0])}, less milk.", "update"
        )
        self.ask(
            "update",
            "What's my usual coffee order?",
            [co_new],
            [self.coffee_new[1]],
            stale=[co_old],
            stale_answer=[self.coffee_old[1]],
        )

    def plans(self) -> None:
        rng = self.rng
        # the anniversary dinner, booked then moved to another restaurant
        r1, r2 = self.pick(_RESTAURANTS), self.pick(_RESTAURANTS)
        b1 = self.at(0.58)
        booked = self.say(b1, f"Booked a table at {r1} for our anniversary.")
        b2 = self.at(0.68)
        moved = self.say(
            b2, f"{r1} cancelled on us, so the anniversary dinner is at {r2} instead.", "update"
        )
        self.ask(
            "update",
            "Where are we having our anniversary dinner?",
            [moved],
            [r2],
            stale=[booked],
            stale_answer=[r1],
            asked=self.on_day(b2 + 1),
        )
        # the new team's offsite, moved to a later date
        o1 = self.at(0.56)
        d1 = self.day(o1 + rng.randint(14, 18))
        first = self.say(
            o1, f"The team offsite is on {long_date(d1)}, somewhere in the countryside."
        )
        o2 = self.at(0.64)
        d2 = self.day(o2 + rng.randint(20, 24))
        while any(
            a.lower() in s.lower() or s.lower() in a.lower()
            for a in date_forms(d2)[1:]
            for s in date_forms(d1)[1:]
        ):
            d2 += timedelta(days=1)
        second = self.say(
            o2, f"Offsite got pushed to {long_date(d2)}, half the team was away.", "update"
        )
        self.ask(
            "update",
            "When is the team offsite?",
            [second],
            date_forms(d2),
            stale=[first],
            stale_answer=date_forms(d1),
            asked=self.on_day(o2 + 1),
        )

    # -- dated episodes --------------------------------------------------------------------------

    def episodes(self) -> None:
        rng = self.rng
        weekdays = (0, 1, 2, 3, 4)
        # lunches, one per week, with different people at different places
        lunchers = [
            self.colleagues_x[1],
            self.lunch_people[0],
            self.colleagues_y[1],
            self.lunch_people[1],
        ]
        for n, (frac, who) in enumerate(zip((0.14, 0.33, 0.61, 0.8), lunchers, strict=True)):
            place = self.pick(_RESTAURANTS)
            while True:
                event = self.alloc(frac + 0.01 * len(self.lunch_weeks), weekdays)
                week = self.day(event).isocalendar()[:2]
                if week not in self.lunch_weeks:
                    break
            self.lunch_weeks.add(week)
            told = event + rng.choice((0, 1, 1))
            phrase = self.when_phrase(event, told, ("today",))
            text = rng.choice(
                (
                    f"{phrase} I had lunch with {who.name} at {place}.",
                    f"Had lunch with {who.name} at {place} {phrase}, way too much food.",
                    f"{phrase} I grabbed lunch with {who.name}, we went to {place}.",
                )
            )
            line = self.say(told, _cap(text), "react", evening=told == event)
            if n == 0:
                self.ask(
                    "temporal",
                    f"When did I have lunch with {who.name}?",
                    [line],
                    date_forms(self.day(event)),
                )
                self.ask("single", f"Where did I have lunch with {who.name}?", [line], [place])
            else:
                monday_next = event - self.day(event).weekday() + 7
                asked_day = max(monday_next + rng.randint(0, 1), told + 1)
                self.ask(
                    "temporal",
                    "Who did I have lunch with last week?",
                    [line],
                    [who.name],
                    asked=self.on_day(asked_day, 13),
                )
        # other dated happenings: (fraction, weekdays, same-day phrases, text, what, when-question)
        d = self.dentist_new
        km = rng.choice((8, 10, 12))
        film = rng.choice(_FILMS)
        band = rng.choice(_BANDS)
        hike = rng.choice(_HIKES)
        report = rng.choice(_REPORTS)
        specs: list[_EpisodeSpec] = [
            _EpisodeSpec(
                0.6,
                weekdays,
                ("this morning", "today"),
                lambda w: f"{w} I went to the dentist, {d} says no cavities.",
                ("dentist",),
                "When did I go to the dentist?",
                ("What did the dentist say at my last check-up?", ("no cavities",)),
            ),
            _EpisodeSpec(
                0.21,
                (5, 6),
                ("this morning",),
                lambda w: f"{w} I ran {km} km along the river, legs are jelly.",
                (f"{km} km",),
                f"When did I run {km} km?",
                ("How far did I run along the river?", (f"{km} km",)),
            ),
            _EpisodeSpec(
                0.29,
                range(7),
                ("this evening", "tonight"),
                lambda w: (
                    f"{w} {self.partner.name} and I saw {film} at the cinema, still thinking about "
                    "it."
                ),
                (film,),
                f"When did I see {film}?",
                (f"Which film did I see with {self.partner.name}?", (film,)),
            ),
            _EpisodeSpec(
                0.35,
                weekdays,
                ("today",),
                lambda w: f"Finished {report} {w}, what a relief.",
                (report.removeprefix("the "),),
                f"When did I finish {report}?",
                None,
            ),
            _EpisodeSpec(
                0.43,
                (5, 6),
                ("today",),
                lambda w: f"{w} I visited mum in {self.hometown}, she made far too much food.",
                (self.hometown,),
                f"When did I last visit {self.hometown}?",
                None,
            ),
            _EpisodeSpec(
                0.52,
                (5, 6),
                ("today",),
                lambda w: f"{w} {self.friend.name} and I hiked {hike}, about 15 km.",
                (hike, "hiked"),
                "When did I go hiking?",
                (f"Where did I go hiking with {self.friend.name}?", (hike,)),
            ),
            _EpisodeSpec(
                0.68,
                range(7),
                ("tonight",),
                lambda w: f"Saw {band} live {w}, my ears are still ringing.",
                (band,),
                f"When did I see {band}?",
                ("Which band did I see live?", (band,)),
            ),
            _EpisodeSpec(
                0.76,
                weekdays,
                ("today", "this afternoon"),
                lambda w: f"Got my flu shot {w}, arm is sore.",
                ("flu shot",),
                "When did I get my flu shot?",
                None,
            ),
            _EpisodeSpec(
                0.47,
                (5, 6),
                ("today",),
                lambda w: (
                    f"{w} we went to IKEA and came back with a bookshelf and forty tealights."
                ),
                ("IKEA", "bookshelf"),
                "When did we go to IKEA?",
                ("What furniture did we buy at IKEA?", ("bookshelf",)),
            ),
            _EpisodeSpec(
                0.84,
                range(7),
                ("today", "this afternoon"),
                lambda w: (
                    f"Baked the {self.recipe[0]} from that recipe site {w}, turned out great."
                ),
                (self.recipe[0],),
                f"When did I bake the {self.recipe[0]}?",
                None,
            ),
            _EpisodeSpec(
                0.17,
                range(7),
                ("today",),
                lambda w: f"Got a haircut {w}, a bit shorter than I wanted.",
                ("haircut",),
                "When did I get a haircut?",
                None,
            ),
            _EpisodeSpec(
                0.88,
                (5,),
                ("today",),
                lambda w: (
                    f"{w} we took {self.dog} to the beach, {self.dog} ran for two hours straight."
                ),
                ("beach",),
                f"When did we take {self.dog} to the beach?",
                None,
            ),
        ]
        done: list[tuple[_Draft, int, int, tuple[str, ...], str]] = []
        for spec in specs:
            line, event, told = self.episode(
                spec.fraction, spec.make, weekdays=spec.weekdays, same_day=spec.same_day
            )
            done.append((line, event, told, spec.what, spec.when_question))
            if spec.single:
                self.ask("single", spec.single[0], [line], spec.single[1])
        # "when" for most, "what did I do on <date>" for some
        order = list(range(len(done)))
        rng.shuffle(order)
        for n, idx in enumerate(order):
            line, event, told, what, when_q = done[idx]
            if 7 <= n < 10:
                fmt = rng.choice((self.day(event).isoformat(), long_date(self.day(event))))
                self.ask("temporal", f"What did I do on {fmt}?", [line], what)
            else:
                self.ask("temporal", when_q, [line], date_forms(self.day(event)))
        # "What did I do yesterday?" and "last <weekday>" on the lines told within a day
        near = [x for x in done if x[2] - x[1] <= 1]
        rng.shuffle(near)
        for line, event, told, what, _ in near[:3]:
            asked = self.after(line, 40) if told == event + 1 else self.on_day(event + 1, 12)
            self.ask("temporal", "What did I do yesterday?", [line], what, asked=asked)
        for line, event, told, what, _ in near[3:5]:
            wd = WEEKDAYS[self.day(event).weekday()]
            self.ask(
                "temporal",
                f"What did I do last {wd}?",
                [line],
                what,
                asked=self.on_day(max(told + 1, event + 2), 11),
            )

    # -- the conference trip: chat + screen ------------------------------------------------------

    def trip(self) -> None:
        rng = self.rng
        fly = self.alloc(0.58, weekdays=(2, 3))
        self.fly_day = fly
        back = fly + 3
        self.episode_days.update({fly + 1, fly + 2, back})
        month = MONTHS[self.day(fly).month - 1]
        conf = self.say(
            self.at(0.3),
            f"I'm giving a talk at {self.conf} in {self.trip_city} in {month}, terrified.",
            "react",
        )
        self.ask(
            "single",
            "What's the name of the conference where I'm giving a talk?",
            [conf],
            [self.conf],
        )
        code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
        home = self.city_on(fly)
        iata = _HOME_CITIES[home]
        num = rng.randint(100, 899)
        booked_day = self.at(0.37)
        flight = self.screen(
            booked_day,
            "thunderbird",
            f"Booking confirmation {code} - Inbox - Mozilla Thunderbird",
            f"From: {self.airline} <no-reply@{self.air_domain}>\n"
            f"Subject: Booking confirmation {code}\n"
            f"Dear {self.full},\nThank you for flying with {self.airline}. Your booking is "
            "confirmed.\n"
            f"Booking reference: {code}\n"
            f"Outbound {self.air_prefix} {num}  {home} ({iata}) -> {self.trip_city} "
            f"({self.trip_iata})\n"
            f"{short_date(self.day(fly))}  dep 07:35  arr 10:05\n"
            f"Return {self.air_prefix} {num + 1}  {short_date(self.day(back))}  dep 18:20\n"
            f"Passenger: {self.full.upper()}  Seat 14C  1 cabin bag\nManage booking  |  Check in "
            "online",
            hour=(20, 14),
        )

        def before_trip() -> Callable[[], datetime]:
            return self.on_day(rng.randint(booked_day + 2, fly - 1), rng.randint(8, 22))

        self.ask(
            "single",
            f"Which airline am I flying to {self.trip_city}?",
            [flight],
            [self.airline, self.airline_short],
            asked=before_trip(),
        )
        self.ask(
            "single",
            f"What's the booking reference for my {self.trip_city} flight?",
            [flight],
            [code],
            asked=before_trip(),
        )
        self.ask(
            "multi-hop",
            f"Which airline am I flying with to get to {self.conf}?",
            [conf, flight],
            [self.airline, self.airline_short],
            asked=before_trip(),
        )
        self.ask(
            "temporal",
            f"When do I fly to {self.trip_city}?",
            [flight],
            date_forms(self.day(fly)),
            asked=before_trip(),
        )
        hotel = self.screen(
            booked_day + 1,
            "firefox",
            f"Your reservation at {self.hotel} — Mozilla Firefox",
            f"Reservation confirmed\n{self.hotel}, {self.trip_city}\n"
            f"Check-in {short_date(self.day(fly))} from 14:00   Check-out "
            f"{short_date(self.day(back))} until 11:00\n"
            f"Guest: {self.full}   1 double room, breakfast included\nFree cancellation until 48 h "
            "before arrival",
            hour=(21, 3),
        )
        self.ask(
            "single",
            f"Which hotel am I staying at in {self.trip_city}?",
            [hotel],
            [self.hotel],
            asked=before_trip(),
        )
        self.ask(
            "multi-hop",
            f"Where am I staying for {self.conf}?",
            [conf, hotel],
            [self.hotel],
            asked=before_trip(),
        )
        self.say(
            back + 1,
            f"Back from {self.trip_city}, the talk went fine and I ate my body weight in pastries.",
            "react",
        )
        # a colleague's look-alike trip on another airline
        col = self.colleagues_on(booked_day)[2]
        self.screen(
            booked_day + 2,
            "slack",
            f"# random - {self.employer_on(booked_day + 2)[2]} - Slack",
            f"{col.name}  11:02\nanyone been to {self.trip_city}? I'm flying {self.other_airline} "
            "there next month, "
            f"any food tips welcome\n{self.colleagues_on(booked_day)[3].name}  11:05\ngo hungry",
        )

    def screen_facts(self) -> None:
        rng = self.rng
        # doctor's appointment reminder, then the visit
        appt = self.alloc(0.66, weekdays=(0, 1, 2, 3, 4))
        remind = appt - 4
        street = rng.choice(
            (
                "Chestnut Avenue 12",
                "Park Lane 7",
                "Church Street 31",
                "Elm Road 5",
                "Bridge Street 18",
            )
        )
        reminder = self.screen(
            remind,
            "thunderbird",
            "Appointment reminder - Inbox - Mozilla Thunderbird",
            f"From: {self.gp} Medical Practice <noreply@mypractice.example>\nSubject: Appointment "
            "reminder\n"
            f"Dear {self.full}, this is a reminder of your appointment with {self.gp} on "
            f"{short_date(self.day(appt))} at 08:40.\nAddress: {street}, {self.city_on(appt)}.\n"
            "Please bring your insurance card and arrive 10 minutes early. To cancel, reply to "
            "this email.",
            hour=(8, 55),
        )
        self.ask(
            "temporal",
            "When is my doctor's appointment?",
            [reminder],
            date_forms(self.day(appt)),
            asked=self.on_day(remind + 1, 19),
        )
        self.ask(
            "multi-hop",
            "What's the address of my GP's practice?",
            [self.gp_line, reminder],
            [street],
        )
        visit = self.say(
            appt, f"Saw {self.gp} this morning, the wrist is just a sprain.", "react", evening=True
        )
        self.ask("single", f"What did {self.gp} say about my wrist?", [visit], ["sprain"])
        # the quarterly review invite, then rescheduled
        inv = self.at(0.16)
        m1 = inv + rng.randint(6, 9)
        while self.day(m1).weekday() > 4:
            m1 += 1
        resched = inv + 3
        m2 = m1 + rng.randint(3, 6)
        while self.day(m2).weekday() > 4 or any(
            a in b or b in a
            for a in date_forms(self.day(m2))[1:]
            for b in date_forms(self.day(m1))[1:]
        ):
            m2 += 1
        x = self.emp_x
        invite = self.screen(
            inv,
            "thunderbird",
            "Invitation: Quarterly business review - Mozilla Thunderbird",
            f"Invitation from {self.manager_x.name}\nQuarterly business review\n"
            f"When: {short_date(self.day(m1))} 14:00 - 15:30 (CET)\nWhere: Room {self.room}, "
            f"{x[3]}\n"
            "Agenda: numbers, hiring plan, Q2 priorities\nAccept  Tentative  Decline",
        )
        moved = self.screen(
            resched,
            "thunderbird",
            "Updated invitation: Quarterly business review - Mozilla Thunderbird",
            f"Updated invitation from {self.manager_x.name}\nQuarterly business review has been "
            "moved.\n"
            f"New time: {short_date(self.day(m2))} 10:00 - 11:30 (CET)\nWhere: Room {self.room}, "
            f"{x[3]} (unchanged)\n"
            "Sorry for the shuffle, the numbers were not ready.",
        )
        self.ask(
            "update",
            "When is the quarterly business review?",
            [moved],
            date_forms(self.day(m2)),
            stale=[invite],
            stale_answer=date_forms(self.day(m1)),
            asked=self.on_day(resched + 1, 9),
        )
        self.ask("single", "Which room is the quarterly business review in?", [invite], [self.room])
        # bank statement, recipe page, office wifi, employee id
        bank = self.screen(
            self.at(0.05) + 1,
            "firefox",
            f"Statements - {self.bank} Online Banking — Mozilla Firefox",
            f"{self.bank}  Online Banking\nCurrent account  •••• {rng.randint(1000, 9999)}\n"
            "Statement period 01 Dec 2025 - 31 Dec 2025\nOpening balance  •••••\n"
            "Card payment  SUPERMARKT  •••\nStanding order  RENT  •••\nCard payment  PHARMACY  "
            "•••\n"
            "Closing balance  •••••\nDownload PDF   Print",
            hour=(21, 40),
        )
        self.ask("single", "Which bank is my current account with?", [bank], [self.bank])
        dish, recipe_q, recipe_a, ingredients = self.recipe
        recipe = self.screen(
            self.at(0.82),
            "firefox",
            f"Easy {dish} recipe | Kitchen Notes — Mozilla Firefox",
            f"Kitchen Notes  Recipes  Baking  Quick dinners\nThe easiest {dish} you'll ever make\n"
            f"Ingredients\n"
            + "\n".join(f"- {i}" for i in ingredients)
            + "\nMethod\n1. Preheat the oven.\n2. Mix everything.\n3. Bake until golden.\n★★★★☆ "
            "1,204 ratings",
            hour=(18, 30),
        )
        self.ask("single", recipe_q, [recipe], [recipe_a])
        wifi_pw = "".join(rng.choice("abcdefghkmnpqrstuvwxyz") for _ in range(4)) + str(
            rng.randint(10, 99)
        )
        y = self.emp_y
        wifi = self.screen(
            self.job_start + 1,
            "slack",
            f"# office - {y[2]} - Slack",
            f"Pinned by {self.colleagues_y[2].name}\nWelcome to the {y[3]} office!\n"
            f"Guest wifi: {y[2]}-guest  password: {wifi_pw}\nKitchen is on floor 2, please empty "
            "the dishwasher",
        )
        self.ask("single", "What's the guest wifi password at the new office?", [wifi], [wifi_pw])
        self.ask("single", f"What's the address of the {y[0]} office?", [wifi], [y[3]])
        emp_id = f"{y[2][:2].upper()}-{rng.randint(10000, 99999)}"
        hr = self.screen(
            self.job_start,
            "thunderbird",
            f"Welcome to {y[0]}! - Inbox - Mozilla Thunderbird",
            f"From: People Team <people@{y[2]}.com>\nSubject: Welcome to {y[0]}!\n"
            f"Hi {self.first}, welcome aboard. Your employee ID is {emp_id}. "
            "Your laptop is waiting at the front desk; payroll runs on the 25th.",
            hour=(9, 12),
        )
        self.ask("single", "What's my employee ID at the new job?", [hr], [emp_id])
        # distractors: other people's look-alike facts
        other = self.colleagues_x[3]
        self.screen(
            self.at(0.2),
            "thunderbird",
            "New address - Inbox - Mozilla Thunderbird",
            f"From: {other.name}\nSubject: New address\nHi all, I moved to "
            f"{rng.choice(_OTHER_CITIES)} last month, "
            "please send anything for me to the new address. I'll be in the office on Thursdays.",
        )
        other_dentist = rng.choice(
            [x for x in _DENTISTS if x not in (self.dentist_old, self.dentist_new)]
        )
        self.screen(
            self.at(0.4),
            "slack",
            f"# random - {self.employer_on(self.at(0.4))[2]} - Slack",
            f"{self.colleagues_on(self.at(0.4))[4].name}  15:12\nout for an hour, dentist. "
            f"{other_dentist} is always late",
        )
        gym_other = next(d for d in WEEKDAYS if d not in self.gym_old + self.gym_new)
        self.screen(
            self.at(0.5),
            "thunderbird",
            "Timetable changes - Inbox - Mozilla Thunderbird",
            "From: FitHub\nSubject: Timetable changes\nFrom next week the spin class moves to "
            f"{gym_other}s "
            "at 18:30. Sauna closed for maintenance on the 3rd.",
        )
        other_car = rng.choice([c for c in _CARS if c not in (self.car_old, self.car_new)])
        self.screen(
            self.at(0.55),
            "firefox",
            f"{other_car[0]} review: solid but dull — Mozilla Firefox",
            f"Car Weekly  Reviews  News\n{other_car[0]} review: solid but dull\n"
            "Comfortable ride, decent boot, infotainment from the last decade. 3/5",
        )
        other_food_city = rng.choice(_OTHER_CITIES)
        self.screen(
            self.at(0.7),
            "slack",
            f"# random - {self.emp_y[2]} - Slack",
            f"{self.colleagues_y[3].name}  12:40\nmy favourite food is still my gran's soup, fight "
            "me\n"
            f"{self.colleagues_y[4].name}  12:41\nfresh from {other_food_city}: it's croquettes",
        )

    def procedures(self) -> None:
        passport = self.ask_mnemo(
            self.at(0.26),
            "My passport expires in summer, what do I have to do?",
            "To renew the passport, book an appointment at the citizen service office online, then "
            "bring your old passport, one biometric photo and the fee; it usually takes about "
            "three weeks.",
        )
        self.ask(
            "single",
            "What do I need to bring to renew my passport?",
            [passport],
            ["biometric photo", "old passport"],
        )
        self.ask(
            "single", "How long does a passport renewal usually take?", [passport], ["three weeks"]
        )
        descale = self.ask_mnemo(
            self.at(0.46),
            "The coffee machine tastes weird, how do I descale it?",
            "Run one full cycle with one part white vinegar to two parts water, then two cycles "
            "with clean water.",
        )
        self.ask("single", "What do I use to descale the coffee machine?", [descale], ["vinegar"])

    def abstentions(self) -> None:
        sw, ow = self.sibling_word, self.other_sibling_word
        specs = (
            (f"What is my {ow}'s name?", (rf"\b{ow}\b",)),
            ("When did I go to Japan?", (r"japan", r"tokyo")),
            ("What's my blood type?", (r"blood type", r"\bblood\b")),
            ("When did I run a marathon?", (r"marathon",)),
            ("What is my daughter's name?", (r"daughter",)),
            ("Where did I go skiing?", (r"\bski(ing|ed|s)?\b", r"snowboard")),
            ("What's my passport number?", (r"passport (number|no)",)),
            ("What's the PIN for my bank card?", (r"\bpin\b",)),
            ("How much did the new car cost?", (r"\bcost\b", r"\bprice\b", r"€\s*\d")),
            ("What did my dentist prescribe me?", (r"prescri",)),
            ("Which hotel did I stay at in Paris?", (r"\bparis\b",)),
            ("What's my partner's middle name?", (r"middle name",)),
            ("Which school did I go to?", (r"went to school", r"school (is|was) called")),
            ("How many lengths did I swim last week?", (r"\bswim",)),
            ("What's my landlord's name?", (r"my landlord",)),
            (f"What is the name of my {sw}'s cat?", (rf"{self.sibling.name}'s cat",)),
            (
                f"What's my employee number at {self.emp_x[0]}?",
                (r"employee (id|number) .*" + re.escape(self.emp_x[2]),),
            ),
            (
                f"Which airline am I flying to {self.sibling_city}?",
                (rf"-> {self.sibling_city.lower()}",),
            ),
            ("What's my gym membership number?", (r"membership",)),
            ("What's my mum's phone number?", (r"phone number",)),
            ("Which instrument does my partner play?", (rf"{self.partner.name.lower()} plays",)),
            ("What grade did I get in my language exam?", (r"\bexam\b", r"\bgrade\b")),
            ("When is my wedding anniversary with my ex?", (r"\bex\b", r"divorc")),
            (
                "What's the name of my cat's vet?",
                (rf"{self.cat_right.lower()} to", rf"{self.cat_wrong.lower()} to"),
            ),
            ("Where did I celebrate New Year's Eve?", (r"new year",)),
            (
                f"When did I visit {self.sibling_city}?",
                (rf"(visit\w*|went to|trip to|back from) {self.sibling_city.lower()}",),
            ),
            (
                f"What did I give {self.partner.name} for {self.partner.his} birthday?",
                (rf"for {self.partner.name.lower()}'s birthday",),
            ),
        )
        for question, patterns in specs:
            self.absent.append(_Absent(question, patterns))
            self.ask("abstention", question, [], [])


# --- background noise ---------------------------------------------------------------------------

_NEWS = (
    "City council approves new cycle lanes along the ring road",
    "Central bank holds interest rates steady for a third month",
    "Storm warning for the coast this weekend, ferries may be cancelled",
    "Local bakery chain opens its 12th shop",
    "Researchers find new species of beetle in old museum drawer",
    "Train drivers announce strike for next Thursday",
    "Housing prices flat for the first time in two years",
    "Museum night returns with free entry to 40 venues", "Election debate: five takeaways",
    "Heat pump subsidies extended until the end of the year",
)  # fmt: skip
_WIKI = (
    (
        "Byzantine Empire",
        "The Byzantine Empire, also called the Eastern Roman Empire, was the continuation of the "
        "Roman Empire in its eastern provinces",
    ),
    ("Octopus", "The octopus is a soft-bodied, eight-limbed mollusc of the order Octopoda"),
    (
        "Sourdough",
        "Sourdough is a type of bread that uses the fermentation by naturally occurring yeast and "
        "lactobacillus bacteria",
    ),
    (
        "Hanseatic League",
        "The Hanseatic League was a medieval commercial and defensive network of merchant guilds "
        "and market towns",
    ),
    (
        "Aurora",
        "An aurora is a natural light display in Earth's sky, predominantly seen in high-latitude "
        "regions",
    ),
    (
        "Fibonacci sequence",
        "In mathematics, the Fibonacci sequence is a sequence in which each number is the sum of "
        "the two preceding ones",
    ),
)
_SO = (
    "python - How to merge two dictionaries in a single expression",
    "git - How do I undo the most recent local commits",
    "sql - Difference between INNER JOIN and LEFT JOIN",
    "javascript - How to check if a key exists in an object", "bash - Loop over lines of a file",
    "pandas - Select rows where column value is in a list",
    "docker - Container exits immediately with code 0",
)  # fmt: skip
_SHOP = (
    ("Wireless earbuds", "Noise cancelling, 30 h battery. Free delivery. In stock."),
    ("Rain jacket, men/women", "Waterproof 10,000 mm. Sizes XS-XXL. 4.3 stars."),
    ("Ceramic plant pot set", "Set of 3, drainage hole, matte white. Only 2 left."),
    ("Mechanical keyboard", "Hot-swappable switches, brown. Ships in 3-5 days."),
    ("Running socks 3-pack", "Cushioned, anti-blister. Add to basket."),
)  # fmt: skip
_VIDEOS = (
    "How to fix a leaking tap in 5 minutes", "Lo-fi beats to study to",
    "Why trains are late: explained", "I tried the viral pasta recipe", "Top 10 goals of the month",
    "Beginner yoga, 20 min",
)  # fmt: skip
_NEWSLETTERS = (
    (
        "The Weekly Byte",
        "This week: the end of passwords?, a tiny text editor, and why your CI is slow.",
    ),
    (
        "Bookshop Club",
        "New arrivals for the month, a signed edition giveaway and our reading challenge.",
    ),
    ("Green Grocer Box", "Your box this week: leeks, kale, carrots, apples and a surprise."),
    ("Museum Friends", "Members' evening on the 20th, curator talk on medieval maps."),
    (
        "Streamflix",
        "New this week: three documentaries and the final season you've been waiting for.",
    ),
)
_TOPICS = (
    "billing", "search", "onboarding", "the export job", "auth", "the dashboard", "notifications",
)  # fmt: skip
# file, text, status-bar language
_CODE = (
    (
        "loader.py",
        "def load_rows(path: Path) -> list[dict]:\n    with path.open() as fh:\n        return "
        "[json.loads(l) for l in fh]",
        "Python",
    ),
    (
        "jobs/export.py",
        "class ExportJob:\n    def run(self) -> None:\n        rows = self.fetch()\n        "
        "self.write(rows)",
        "Python",
    ),
    (
        "api/routes.py",
        "@router.get('/items/{item_id}')\nasync def get_item(item_id: int):\n    return await "
        "repo.get(item_id)",
        "Python",
    ),
    (
        "tests/test_export.py",
        "def test_empty_export(tmp_path):\n    job = ExportJob(tmp_path)\n    assert job.run() is "
        "None",
        "Python",
    ),
    (
        "config.yaml",
        "retries: 3\ntimeout_s: 30\nlog_level: info\nfeature_flags:\n  new_dashboard: false",
        "YAML",
    ),
    (
        "src/Chart.tsx",
        "export function Chart({ rows }: Props) {\n  const data = useMemo(() => toSeries(rows), "
        "[rows]);\n  return <LineChart data={data} />;",
        "TypeScript React",
    ),
    (
        "migrations/0042_add_index.sql",
        "CREATE INDEX CONCURRENTLY idx_events_created\n    ON events (created_at);",
        "SQL",
    ),
)
_DOCS = (
    (
        "Meeting notes",
        "Attendees: team\nAction items:\n- follow up on {topic}\n- update the roadmap\n- book the "
        "next sync",
    ),
    (
        "Roadmap 2026",
        "Now / Next / Later\nNow: {topic} improvements\nNext: reporting\nLater: mobile",
    ),
    ("Budget", "Category | Jan | Feb | Mar\nTools | ••• | ••• | •••\nTravel | ••• | ••• | •••"),
    (
        "Interview scorecard",
        "Candidate: [redacted]\nCommunication: 4/5\nProblem solving: 3/5\nNotes: good questions "
        "about {topic}",
    ),
)


def _ocr(text: str, rng: random.Random) -> str:
    """Light OCR damage: a few look-alike characters and a stray glyph, as screen capture does."""
    if rng.random() < 0.45:
        return text
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(chars))
        swap = {"l": "1", "O": "0", "o": "0", "I": "l", "e": "c", "m": "rn", "S": "5"}
        if chars[i] in swap:
            chars[i] = swap[chars[i]]
    spaces = [i for i, c in enumerate(chars) if c == " "]
    if spaces and rng.random() < 0.3:
        chars.insert(rng.choice(spaces) + 1, rng.choice(("| ", "~ ", "» ", "' ")))
    return "".join(chars)


def _noise(story: _Story, i: int) -> None:
    """The screens of an ordinary day: mostly work on weekdays, browsing at the weekend."""
    rng = story.rng
    workday = story.day(i).weekday() < 5 and i not in (
        story.fly_day,
        story.fly_day + 1,
        story.fly_day + 2,
    )
    count = rng.randint(9, 17) if workday else rng.randint(2, 6)
    emp, _, slug, _ = story.employer_on(i)
    people = story.colleagues_on(i)
    city = story.city_on(i)
    for _ in range(count):
        kind = rng.choice(
            ("slack", "slack", "mail", "code", "code", "doc", "web", "web", "term")
            if workday
            else ("web", "web", "web", "mail", "video")
        )
        hour = (
            (rng.randint(8, 18), rng.randint(0, 59))
            if workday
            else (rng.randint(10, 22), rng.randint(0, 59))
        )
        a, b = rng.sample(people, 2)
        topic = rng.choice(_TOPICS)
        if kind == "slack":
            channel = rng.choice(("team", "dev", "general", "random", "incidents"))
            body = rng.choice(
                (
                    f"{a.name}  {hour[0]:02d}:{hour[1]:02d}\nanyone else seeing the {topic} build "
                    f"fail on main?\n{b.name}  {hour[0]:02d}:{min(59, hour[1] + 2):02d}\nyes, "
                    "flaky test, rerunning",
                    f"{a.name}  {hour[0]:02d}:{hour[1]:02d}\nstandup in 5, link in the channel "
                    "topic",
                    f"{a.name}  {hour[0]:02d}:{hour[1]:02d}\nPR #{rng.randint(100, 999)} for "
                    f"{topic} is ready for review when someone has a sec",
                    f"{a.name}  {hour[0]:02d}:{hour[1]:02d}\nlunch? thinking "
                    f"{rng.choice(_RESTAURANTS)}\n{b.name}\nin",
                    f"{a.name}  {hour[0]:02d}:{hour[1]:02d}\nreminder: {topic} retro moved to "
                    "Friday",
                    f"{a.name}  {hour[0]:02d}:{hour[1]:02d}\nhappy birthday {b.name}!! cake in the "
                    "kitchen",
                    f"{a.name}  {hour[0]:02d}:{hour[1]:02d}\nheads up, deploying {topic} changes "
                    "at 3",
                )
            )
            story.screen(i, "slack", f"# {channel} - {slug} - Slack", _ocr(body, rng), hour)
        elif kind == "mail":
            if workday and rng.random() < 0.6:
                ticket = f"{slug[:3].upper()}-{rng.randint(100, 2000)}"
                subject, text = rng.choice(
                    (
                        (
                            f"Re: {topic} estimate",
                            f"From: {a.name}\nHi, quick one on {topic}: can we push the review to "
                            "next week? Numbers attached. Thanks!",
                        ),
                        (
                            f"[JIRA] {ticket} updated",
                            f"From: Jira\n{a.name} changed the status of {ticket} ({topic}) from "
                            "In Progress to In Review.",
                        ),
                        (
                            "Timesheet reminder",
                            "From: Finance\nFriendly reminder to submit your timesheet by Friday "
                            "17:00.",
                        ),
                        (
                            f"Re: notes from the {topic} sync",
                            f"From: {b.name}\nThanks all. Decisions: ship behind a flag, revisit "
                            "in two weeks. Owners in the doc.",
                        ),
                    )
                )
                body = text.replace("\n", f"\nSubject: {subject}\n", 1)
            else:
                sender, blurb = rng.choice(_NEWSLETTERS)
                subject = f"{sender}: this week"
                body = f"From: {sender}\nSubject: {subject}\n{blurb}\nUnsubscribe | View in browser"
            story.screen(
                i, "thunderbird", f"{subject} - Inbox - Mozilla Thunderbird", _ocr(body, rng), hour
            )
        elif kind == "code":
            file, code, lang = rng.choice(_CODE)
            status = f"Ln {rng.randint(1, 300)}, Col {rng.randint(1, 60)}  UTF-8  {lang}"
            story.screen(
                i,
                "code",
                f"{file.split('/')[-1]} - {slug}-{topic.split()[-1]} - Visual Studio Code",
                _ocr(f"EXPLORER  {file}\n{code}\n{status}", rng),
                hour,
            )
        elif kind == "doc":
            title, body = rng.choice(_DOCS)
            app = "LibreOffice Calc" if title == "Budget" else "LibreOffice Writer"
            story.screen(
                i,
                "libreoffice",
                f"{title} - {emp}.odt - {app}",
                _ocr(body.format(topic=topic), rng),
                hour,
            )
        elif kind == "term":
            story.screen(
                i,
                "terminal",
                f"{story.first.lower()}@laptop: ~/src/{slug}",
                _ocr(
                    f"$ git pull\nAlready up to date.\n$ make test\n{rng.randint(80, 400)} passed, "
                    f"{rng.randint(0, 3)} skipped in {rng.randint(3, 40)}.{rng.randint(0, 9)}s",
                    rng,
                ),
                hour,
            )
        elif kind == "video":
            title = rng.choice(_VIDEOS)
            story.screen(
                i,
                "firefox",
                f"{title} - YouTube — Mozilla Firefox",
                _ocr(
                    f"{title}\n{rng.randint(2, 900)}K views  {rng.randint(1, 11)} months "
                    "ago\nSubscribe",
                    rng,
                ),
                hour,
            )
        else:
            which = rng.randint(0, 4)
            if which == 0:
                head = rng.choice(_NEWS)
                story.screen(
                    i,
                    "firefox",
                    f"{head} | The Daily Post — Mozilla Firefox",
                    _ocr(
                        f"News  Politics  Culture  Sport\n{head}\n{rng.randint(2, 9)} min read", rng
                    ),
                    hour,
                )
            elif which == 1:
                title, body = rng.choice(_WIKI)
                story.screen(
                    i,
                    "firefox",
                    f"{title} - Wikipedia — Mozilla Firefox",
                    _ocr(f"{title}\nFrom Wikipedia, the free encyclopedia\n{body}.", rng),
                    hour,
                )
            elif which == 2:
                title = rng.choice(_SO)
                story.screen(
                    i,
                    "firefox",
                    f"{title} - Stack Overflow — Mozilla Firefox",
                    _ocr(
                        f"{title}\nAsked {rng.randint(2, 12)} years ago  Viewed "
                        f"{rng.randint(10, 900)}k times\n{rng.randint(5, 3000)} answers",
                        rng,
                    ),
                    hour,
                )
            elif which == 3:
                item, blurb = rng.choice(_SHOP)
                story.screen(
                    i,
                    "firefox",
                    f"{item} - Shop — Mozilla Firefox",
                    _ocr(f"{item}\n{blurb}\nAdd to basket", rng),
                    hour,
                )
            else:
                temp = rng.randint(-3, 14)
                story.screen(
                    i,
                    "firefox",
                    f"Weather {city} — Mozilla Firefox",
                    _ocr(
                        f"Weather in {city}\nNow {temp}°C, "
                        f"{rng.choice(('cloudy', 'light rain', 'sunny spells', 'fog'))}\n"
                        f"Tomorrow {temp + rng.randint(-3, 3)}°C",
                        rng,
                    ),
                    hour,
                )


def _sessions(story: _Story) -> list[_Draft]:
    """Lay out each day's chat session: greeting, the day's items among small talk, sign-off."""
    rng = story.rng
    out: list[_Draft] = []

    def pair(user: tuple[str, ...], bot: tuple[str, ...], p_reply: float) -> list[_Draft]:
        turns = [_Draft("chat", story.deal(user), speaker="me")]
        if rng.random() < p_reply:
            turns.append(_Draft("chat", story.deal(bot), speaker="Mnemo"))
        return turns

    for i in range(story.days):
        items = list(story.items.get(i, []))
        if not items and rng.random() < 0.15:
            continue
        evening = i in story.evening or rng.random() < 0.65
        tod: tuple[tuple[str, ...], ...] = (
            GREETINGS_PM,
            GREETING_REPLIES_PM,
            SMALL_TALK_PM,
            SIGN_OFFS_PM,
            SIGN_OFF_REPLIES_PM,
        )
        if not evening:
            tod = (
                GREETINGS_AM,
                GREETING_REPLIES_AM,
                SMALL_TALK_AM,
                SIGN_OFFS_AM,
                SIGN_OFF_REPLIES_AM,
            )
        if rng.random() < 0.85 and i != 0:
            greet = (GREETINGS, GREETING_REPLIES) if rng.random() < 0.6 else tod[:2]
            items.append((-1.0, pair(greet[0], greet[1], 0.9)))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            pool = SMALL_TALK if rng.random() < 0.5 else tod[2]
            items.append((rng.random(), pair(pool, SMALL_TALK_REPLIES, 0.5)))
        if rng.random() < 0.5:
            text = story.diary(i)
            if text is not None:
                items.append(
                    (
                        rng.random(),
                        [_Draft("chat", text, speaker="me")]
                        + (
                            [_Draft("chat", story.deal(ACKS), speaker="Mnemo")]
                            if rng.random() < 0.5
                            else []
                        ),
                    )
                )
        if rng.random() < 0.4:
            q, a = QA_PAIRS[story.deal_index("qa", len(QA_PAIRS))]
            items.append(
                (
                    rng.random(),
                    [_Draft("chat", q, speaker="me"), _Draft("chat", a, speaker="Mnemo")],
                )
            )
        if rng.random() < 0.55:
            bye = (SIGN_OFFS, SIGN_OFF_REPLIES) if rng.random() < 0.5 else tod[3:]
            items.append((3.0, pair(bye[0], bye[1], 0.6)))
        items.sort(key=lambda item: item[0])
        start = (
            time(rng.randint(19, 20), rng.randint(0, 59))
            if evening
            else time(7, rng.randint(15, 55))
        )
        when = datetime.combine(story.day(i), start, TZ)
        session = f"chat-{story.day(i).isoformat()}"
        for _, turns in items:
            for n, turn in enumerate(turns):
                when += timedelta(seconds=rng.randint(10, 50) if n else rng.randint(40, 200))
                turn.when = when
                turn.session = session
                out.append(turn)
    return out


def generate(seed: int = 7, days: int = 90, start: str = "2026-01-05") -> Corpus:
    """A deterministic corpus: the same arguments always give the same lines and questions."""
    story = _Story(seed, days, date.fromisoformat(start))
    story.write()
    for i in range(days):
        _noise(story, i)
    chats = _sessions(story)
    drafts = sorted(
        [*chats, *story.screens],
        key=lambda d: (_require(d.when), d.source != "chat"),
    )
    counters = {"chat": 0, "screen": 0}
    lines: list[Line] = []
    for d in drafts:
        counters[d.source] += 1
        d.line_id = f"{d.source[0]}{counters[d.source]:05d}"
        lines.append(
            Line(
                d.line_id,
                d.source,
                _require(d.when).isoformat(),
                d.text,
                d.speaker,
                d.session,
                d.app,
                d.window,
            )
        )
    questions: list[Question] = []
    for n, q in enumerate(story.questions, start=1):
        asked = q.asked() if q.asked else story.end + timedelta(minutes=story.rng.randint(0, 600))
        questions.append(
            Question(
                id=f"q{n:03d}",
                question=q.question,
                asked_at=asked.isoformat(),
                category=q.category,
                evidence=tuple(d.line_id for d in q.evidence),
                answer=q.answer,
                stale=tuple(d.line_id for d in q.stale),
                stale_answer=q.stale_answer,
            )
        )
    corpus = Corpus(tuple(lines), tuple(questions))
    _check(corpus, story.absent)
    return corpus


def _check(corpus: Corpus, absent: Sequence[_Absent]) -> None:
    """Fail on anything that would make a question unfair; a bug here is a bug in the story."""
    by_id = {line.id: line for line in corpus.lines}
    problems: list[str] = []
    for q in corpus.questions:
        asked = datetime.fromisoformat(q.asked_at)
        lines = [by_id[e] for e in q.evidence]
        if any(datetime.fromisoformat(line.time) >= asked for line in lines):
            problems.append(f"{q.id}: evidence after asked_at")
        texts = " ".join(line.text for line in lines).lower()
        isos = [a for a in q.answer if re.fullmatch(r"\d{4}-\d{2}-\d{2}", a)]
        derived = {f.lower() for a in isos for f in date_forms(date.fromisoformat(a))}
        for a in q.answer:
            if a.lower() not in texts and a.lower() not in derived:
                problems.append(f"{q.id}: answer {a!r} not in evidence")
        for s in q.stale_answer:
            if any(s.lower() in a.lower() or a.lower() in s.lower() for a in q.answer):
                problems.append(f"{q.id}: stale answer {s!r} overlaps an answer")
        if q.category != "abstention" and not (q.evidence and q.answer):
            problems.append(f"{q.id}: no evidence or answer")
    everything = "\n".join(line.text.lower() for line in corpus.lines)
    for topic in absent:
        for pattern in topic.patterns:
            if re.search(pattern, everything):
                problems.append(f"abstention {topic.question!r}: {pattern!r} occurs in the corpus")
    if problems:
        raise AssertionError("memory_data: " + "; ".join(problems))


def write(corpus: Corpus, directory: Path) -> tuple[Path, Path, Path]:
    """chats.jsonl (the app's chat import format), screen.jsonl and questions.jsonl."""
    directory.mkdir(parents=True, exist_ok=True)
    chats, screen, questions = (
        directory / n for n in ("chats.jsonl", "screen.jsonl", "questions.jsonl")
    )

    def dump(path: Path, rows: list[dict[str, object]]) -> None:
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    dump(
        chats,
        [
            {"id": x.id, "time": x.time, "speaker": x.speaker, "text": x.text, "session": x.session}
            for x in corpus.lines
            if x.source == "chat"
        ],
    )
    dump(
        screen,
        [
            {"id": x.id, "time": x.time, "app": x.app, "window": x.window, "text": x.text}
            for x in corpus.lines
            if x.source == "screen"
        ],
    )
    dump(questions, [asdict(q) for q in corpus.questions])
    return chats, screen, questions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "out", type=Path, help="directory for chats.jsonl, screen.jsonl, questions.jsonl"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--start", default="2026-01-05")
    args = parser.parse_args(argv)
    corpus = generate(args.seed, args.days, args.start)
    for path in write(corpus, args.out):
        print(path)
    counts = {c: sum(q.category == c for q in corpus.questions) for c in CATEGORIES}
    print(f"{len(corpus.lines)} lines, {len(corpus.questions)} questions {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
