"""The answer key (instructor side only) and the public list of card ids.

The key is ``solutions/flashcard_key.json``::

    {"reveal_answers": false,
     "cards": {"rule-k3vq": {"deck": "rules", "algorithm": "adam"},
               "path-7hwd": {"deck": "paths", "algorithm": "sgd", "surface": "bowl"}, ...}}

It is the only place that ties a card to its algorithm, and for the path deck to its surface.
Card ids are ``<deck>-<four random characters>``: the deck is no secret, and the characters are
drawn at random once (``new_card_id``) and then fixed in the key. ``reveal_answers`` says whether
the feedback names the right algorithm of a wrong card (default: it only says which are wrong).

The public manifest ``autograder/data/flashcards.json`` lists the ids of each deck, sorted, and
nothing else: it is what the self-check knows about the quiz.

This module imports neither matplotlib nor torch: the flashcards check uses it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from autograder.spec import ALGORITHMS
from autograder.verdict.sources import (
    KEY_FILE as KEY_FILE,  # re-exported: the key's file name in solutions/
)
from autograder.verdict.sources import Sources

DECKS = ("rules", "paths")
PREFIX = {"rules": "rule", "paths": "path"}
MANIFEST = Path(__file__).resolve().parents[1] / "data" / "flashcards.json"

# No look-alike characters (0/o, 1/l/i), no vowels: no token can spell a word; and none may hold
# an abbreviation of an algorithm made of these letters ("gd", "sgd", "rms").
TOKEN_ALPHABET = "bcdfghjkmnpqrstvwxz23456789"
TOKEN_LENGTH = 4
HINTS = ("gd", "rms")


def load_key(sources: Sources) -> dict | None:
    """The answer key, or None on a student's side (no ``solutions/`` folder)."""
    path = sources.key_path()
    if path is None or not path.is_file():
        return None
    key = json.loads(path.read_text())
    validate(key)
    return key


def validate(key: dict) -> None:
    """Raise ValueError unless every deck has exactly one card per algorithm."""
    for deck in DECKS:
        algorithms = sorted(
            card["algorithm"] for card in key["cards"].values() if card["deck"] == deck
        )
        if algorithms != sorted(ALGORITHMS):
            raise ValueError(f"The {deck} deck of the key must cover each algorithm once")
    for card_id, card in key["cards"].items():
        if not card_id.startswith(PREFIX[card["deck"]] + "-"):
            raise ValueError(f"Card {card_id!r} is not named after its deck")


def answers(key: dict) -> dict[str, str]:
    """Card id -> canonical algorithm: what a perfect ``FLASHCARD_ANSWERS`` holds."""
    return {card_id: card["algorithm"] for card_id, card in sorted(key["cards"].items())}


def manifest(key: dict) -> dict[str, list[str]]:
    """Deck -> sorted card ids: the public part of the key."""
    return {
        deck: sorted(card_id for card_id, card in key["cards"].items() if card["deck"] == deck)
        for deck in DECKS
    }


def card_ids() -> list[str]:
    """Every card id, from the public manifest (the same on every machine)."""
    data = json.loads(MANIFEST.read_text())
    return [card_id for deck in DECKS for card_id in data[deck]]


def new_card_id(deck: str, taken: set[str], rng: random.Random) -> str:
    """A fresh random id for a card of ``deck`` (for an instructor making a new key)."""
    while True:
        token = "".join(rng.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
        card_id = f"{PREFIX[deck]}-{token}"
        if card_id not in taken and not any(hint in token for hint in HINTS):
            return card_id
