"""The flash cards: ``python -m autograder cards`` draws both decks (instructor side).

Two decks of seven cards, one card per algorithm in each: the update rule as a lecture writes it
(``rules``) and the path the reference implementation takes on a 2-D surface (``paths``). The
answer key ``solutions/flashcard_key.json`` says which card is which (``key``); the cards are drawn
deterministically into ``assets/flashcards/<card id>.png``, and the public list of ids into
``autograder/data/flashcards.json``.

Drawing needs matplotlib (the ``course`` extra); this module imports it only in ``main``, so the
flashcards check can read ``cards.key`` without it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from autograder.cards import key as answer_key
from autograder.verdict.sources import Sources

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "flashcards"


def draw_decks(out: Path, key: dict, sources: Sources) -> list[Path]:
    """Draw every card of ``key`` into ``out``; remove stale cards there; return the files."""
    from autograder.cards import canvas, paths, rules
    from autograder.surfaces import DEMOS

    reference = sources.reference_namespace()
    if reference is None:
        raise RuntimeError("Drawing the path cards needs the reference solutions (solutions/).")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for card_id, card in sorted(key["cards"].items()):
        algorithm = card["algorithm"]
        if card["deck"] == "rules":
            image = rules.draw(algorithm, card_id)
        else:
            function = reference[DEMOS[algorithm].answer]
            image = paths.draw(algorithm, card["surface"], card_id, function)
        written.append(canvas.save(image, out / f"{card_id}.png"))
    for stale in sorted(set(out.glob("*.png")) - set(written)):
        stale.unlink()
    return written


def write_manifest(key: dict, path: Path = answer_key.MANIFEST) -> Path:
    """Write the public list of card ids (no answers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(answer_key.manifest(key), indent=2) + "\n")
    return path


def main(*, out: Path | None = None) -> int:
    """Draw both decks into ``out`` (default ``assets/flashcards/``) and the public manifest.

    Returns 0 on success, 1 where the key or the reference solutions are missing.
    """
    sources = Sources.discover()
    key = answer_key.load_key(sources)
    if key is None:
        print(
            f"No answer key: the cards are drawn on the instructor's side, from "
            f"solutions/{answer_key.KEY_FILE}.",
            file=sys.stderr,
        )
        return 1
    start = time.perf_counter()
    written = draw_decks(ASSETS if out is None else out, key, sources)
    if out is None:
        write_manifest(key)
    elapsed = time.perf_counter() - start
    print(f"Drew {len(written)} cards into {written[0].parent} in {elapsed:.1f} s.")
    return 0
