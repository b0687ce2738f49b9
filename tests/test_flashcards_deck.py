"""Are the flash cards what the quiz needs: reproducible, complete, and silent about the answers?"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from leakscan import algorithm_pattern
from PIL import Image

from autograder import cards
from autograder.cards import key as answer_key
from autograder.cards import rules
from autograder.checks.flashcards import ALIASES
from autograder.spec import ALGORITHMS
from autograder.surfaces import DEMOS, SURFACES, demo_path
from autograder.verdict.sources import Sources
from solutions import reference

SOURCES = Sources.discover()  # this checkout: the instructor's side


KEY = answer_key.load_key(SOURCES)
COMMITTED = cards.ASSETS
# Font rasterisation may differ across FreeType builds: allow small, sparse differences.
MAX_MEAN_DIFFERENCE = 1.0  # mean absolute difference per channel, out of 255
MAX_CHANGED_FRACTION = 0.01  # pixels differing by more than 64 in some channel


def png_chunks(path: Path) -> list[bytes]:
    """The chunk types of a PNG file, in order."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    types, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunk_type = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(chunk_type + body) == crc
        types.append(chunk_type)
        offset += 12 + length
    return types


@pytest.mark.slow
def test_cards_regenerate_like_the_committed_ones(tmp_path):
    """Does drawing the decks afresh give the committed images (up to font rasterisation)?"""
    written = cards.draw_decks(tmp_path, KEY, SOURCES)
    assert sorted(path.name for path in written) == sorted(p.name for p in COMMITTED.glob("*.png"))
    for path in written:
        fresh = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
        committed = np.asarray(Image.open(COMMITTED / path.name).convert("RGB"), dtype=np.int16)
        assert fresh.shape == committed.shape, path.name
        difference = np.abs(fresh - committed)
        assert difference.mean() <= MAX_MEAN_DIFFERENCE, path.name
        assert (difference.max(axis=2) > 64).mean() <= MAX_CHANGED_FRACTION, path.name


def test_each_deck_has_one_card_per_algorithm():
    """Does each deck of the key cover the seven algorithms once, with a committed image each?"""
    answer_key.validate(KEY)
    for deck in answer_key.DECKS:
        algorithms = [card["algorithm"] for card in KEY["cards"].values() if card["deck"] == deck]
        assert sorted(algorithms) == sorted(ALGORITHMS)
    assert {path.stem for path in COMMITTED.glob("*.png")} == set(KEY["cards"])
    assert sorted(answer_key.card_ids()) == sorted(KEY["cards"])


def test_ids_and_order_reveal_nothing():
    """Do the ids hold no algorithm's name or abbreviation, and does sorting them (as a file
    browser or the notebook's grid does) give an order unrelated to the algorithms?"""
    tokens = [card_id.split("-", 1)[1] for card_id in KEY["cards"]]
    for token in tokens:
        assert not any(alias in token for alias in ALIASES if len(alias) <= len(token)), token
    orders = [
        [KEY["cards"][card_id]["algorithm"] for card_id in ids]
        for ids in answer_key.manifest(KEY).values()
    ]
    assert all(order != list(ALGORITHMS) for order in orders)
    assert all(order != sorted(ALGORITHMS) for order in orders)
    assert orders[0] != orders[1]


def test_new_ids_never_spell_a_hint():
    """Can a freshly drawn id never contain an algorithm's abbreviation?"""
    import random

    rng = random.Random(0)
    taken: set[str] = set()
    for _ in range(2000):
        card_id = answer_key.new_card_id("paths", taken, rng)
        taken.add(card_id)
        assert not any(hint in card_id.split("-")[1] for hint in answer_key.HINTS)


def test_pngs_carry_no_metadata_and_share_one_size():
    """Is every card an RGB PNG of the same size, without text, time or other metadata chunks?"""
    sizes = set()
    for path in sorted(COMMITTED.glob("*.png")):
        assert png_chunks(path) == [b"IHDR", *[b"IDAT"] * (len(png_chunks(path)) - 2), b"IEND"]
        with Image.open(path) as image:
            assert image.mode == "RGB"
            sizes.add(image.size)
    assert sizes == {(720, 480)}


def test_the_key_is_only_in_solutions(root):
    """Does no file under assets/ or autograder/ pair a card id with its answer?"""
    for folder in ("assets", "autograder"):
        for path in (root / folder).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            assert path.name != answer_key.KEY_FILE
            text = path.read_bytes().decode("latin-1")
            for card_id, card in KEY["cards"].items():
                at = text.find(card_id)
                while at != -1:
                    near = text[max(0, at - 200) : at + 200]
                    assert card["algorithm"] not in near, f"{path}: {card_id} near its answer"
                    at = text.find(card_id, at + 1)
    public = json.loads((root / "autograder" / "data" / "public_expectations.json").read_text())
    assert "flashcards" not in public


def test_rule_cards_never_name_their_algorithm():
    """Do the equations and notes of the rule cards avoid every algorithm's name?"""
    pattern = algorithm_pattern()
    for rule in rules.RULES.values():
        for text in (*rule.lines, *rule.notes):
            assert not pattern.search(text), text


def path_of(algorithm: str, surface: str) -> np.ndarray:
    function = getattr(reference, DEMOS[algorithm].answer)
    return np.array(demo_path(algorithm, function, SURFACES[surface]))


def distance_to_minimum(points: np.ndarray, surface: str) -> float:
    return float(np.hypot(*(points[-1] - np.array(SURFACES[surface].minimum))))


def surface_of(algorithm: str) -> str:
    (card,) = [
        card
        for card in KEY["cards"].values()
        if card["deck"] == "paths" and card["algorithm"] == algorithm
    ]
    return card["surface"]


def test_each_path_card_shows_its_algorithms_character():
    """On its card's surface, does each algorithm do what it is known for: momentum overshoots
    more than Nesterov, AdaGrad stalls where RMSProp arrives, SGD wanders where GD goes straight,
    and Adam gets down the curved valley?"""
    momentum, nesterov = path_of("momentum", "ravine"), path_of("nesterov", "ravine")
    assert surface_of("momentum") == surface_of("nesterov") == "ravine"
    # How far each keeps swinging across the valley floor (y = 0) after its first ten steps
    swing_momentum = np.abs(momentum[10:, 1]).mean()
    swing_nesterov = np.abs(nesterov[10:, 1]).mean()
    assert swing_momentum > 0.1 > 0.01 > swing_nesterov

    assert surface_of("adagrad") == surface_of("rmsprop") == "cliff"
    adagrad, rmsprop = path_of("adagrad", "cliff"), path_of("rmsprop", "cliff")
    assert distance_to_minimum(adagrad, "cliff") > 10 * distance_to_minimum(rmsprop, "cliff")
    steps = np.hypot(*np.diff(adagrad, axis=0).T)
    assert steps[-10:].mean() < 0.25 * steps[:10].mean()  # AdaGrad's steps shrink

    assert surface_of("sgd") == surface_of("gradient_descent") == "bowl"
    sgd, descent = path_of("sgd", "bowl"), path_of("gradient_descent", "bowl")
    turns = {
        name: np.abs(np.diff(np.unwrap(np.arctan2(*np.diff(points, axis=0).T[::-1])))).sum()
        for name, points in (("sgd", sgd), ("gd", descent))
    }
    assert turns["sgd"] > 5 * turns["gd"]

    start = np.array(SURFACES[surface_of("adam")].start)
    adam = path_of("adam", surface_of("adam"))
    assert distance_to_minimum(adam, "rosenbrock") < 0.25 * np.hypot(*(start - [1.0, 1.0]))
