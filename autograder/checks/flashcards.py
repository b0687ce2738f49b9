r"""The flash-card quiz: ``FLASHCARD_ANSWERS = {card id: algorithm name}``, partial credit per card.

- ``run`` (in the sandbox) turns the student's object into plain data and nothing else: only a
  ``dict`` (or a subclass, read through ``dict``'s own methods, so no override runs) whose keys and
  values are exactly ``str`` is read; anything else is reported as data.
- ``judge`` (parent side) reads names leniently (any case, spaces, hyphens, underscores and the
  common spellings: ``"SGD with momentum"``, ``"Nesterov momentum"``, ``"RMSprop"``, ...) and says
  what is unknown, missing or extra; with the answer key (instructor side only) it says which cards
  are wrong, and names the right answers only when the key's ``reveal_answers`` is true.
- ``score`` is the fraction of cards right:

.. math::
    \text{score} = \text{points} \times \frac{\#\{\text{cards answered with the right algorithm}\}}
    {\#\{\text{cards}\}}

On a student's machine there is no key (``expected`` returns none), so the self-check validates
the format and the names only, and says that the answers are checked when the instructor grades.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass
from typing import cast

from autograder.cards import key as answer_key
from autograder.checks.common import MAX_TYPE_NAME
from autograder.checks.kind import Observation
from autograder.reports.result import Finding
from autograder.spec import ALGORITHMS, TestSpec
from autograder.verdict.observations import MAX_WORD
from autograder.verdict.sources import Sources

KIND = "flashcards"
ANSWER = "FLASHCARD_ANSWERS"
MAX_ENTRIES = 200  # far more than the cards; a bigger dict is refused, not read
MAX_TEXT = MAX_WORD  # characters of a key or value kept: what the grader's schema accepts

# The names people write, squeezed (lower case, letters and digits only), by canonical name.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "gradient_descent": (
        "gradient descent", "gd", "batch gradient descent", "full batch gradient descent",
        "batch gd", "full batch gd", "full gradient descent", "vanilla gradient descent",
        "steepest descent", "deterministic gradient descent",
    ),
    "sgd": (
        "sgd", "stochastic gradient descent", "stochastic gd", "minibatch sgd",
        "minibatch gradient descent", "minibatch stochastic gradient descent", "vanilla sgd",
        "plain sgd",
    ),
    "momentum": (
        "momentum", "sgd with momentum", "sgd momentum", "momentum sgd", "sgdm",
        "gradient descent with momentum", "heavy ball", "heavy ball momentum", "polyak momentum",
        "classical momentum", "classic momentum",
    ),
    "nesterov": (
        "nesterov", "nesterov momentum", "nesterovs momentum", "nesterov accelerated gradient",
        "nesterovs accelerated gradient", "nag", "sgd with nesterov momentum", "nesterov sgd",
        "sgd nesterov",
    ),
    "adagrad": ("adagrad", "adaptive gradient", "adaptive gradients"),
    "rmsprop": ("rmsprop", "root mean square propagation", "rms propagation"),
    "adam": ("adam", "adaptive moment estimation"),
}  # fmt: skip
# Words around a name that do not change it ("torch.optim.Adam", "adam_step").
_PREFIXES = ("torchoptim", "the")
_SUFFIXES = ("optimizer", "optimiser", "algorithm", "method", "step", "update", "rule")


def squeeze(text: str) -> str:
    """Lower case, letters and digits only: ``"SGD-with Momentum"`` -> ``"sgdwithmomentum"``."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


ALIASES: dict[str, str] = {
    squeeze(spelling): algorithm
    for algorithm, spellings in SPELLINGS.items()
    for spelling in (algorithm, *spellings)
}


def canonical(name: str) -> str | None:
    """The canonical algorithm a written name means, or None when it names none of the seven."""
    word, before = squeeze(name), None
    if len(word) > MAX_TEXT:  # no name is that long; and the loop below is quadratic in it
        return None
    while word != before and word not in ALIASES:
        before = word
        for prefix in _PREFIXES:
            word = word.removeprefix(prefix)
        for suffix in _SUFFIXES:
            word = word.removesuffix(suffix)
    return ALIASES.get(word)


def closest(name: str) -> str | None:
    """The canonical algorithm whose spelling ``name`` is nearest to, if any is near."""
    match = difflib.get_close_matches(squeeze(name), list(ALIASES), n=1, cutoff=0.6)
    return ALIASES[match[0]] if match else None


def card_of(written: str) -> str:
    """A written card id as the card's id: trimmed, lower case, without a folder or ``.png``."""
    return written.strip().lower().rsplit("/", 1)[-1].removesuffix(".png")


@dataclass(frozen=True)
class FlashcardCase:
    """The quiz: which cards exist (their ids are public, their answers are not)."""

    id: str
    cards: tuple[str, ...]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FlashcardCase:
        return cls(data["id"], tuple(data["cards"]))


def public_cases(test: str) -> list[FlashcardCase]:
    """One case: every card of both decks (from the public manifest)."""
    return [FlashcardCase("flashcards", tuple(answer_key.card_ids()))]


def expected(case_list: list[FlashcardCase], sources: Sources) -> list[Observation]:
    """The key and the reveal setting (instructor side); ``key`` is None on a student's side."""
    key = answer_key.load_key(sources)
    answers = None if key is None else answer_key.answers(key)
    reveal = bool(key and key.get("reveal_answers", False))
    return [{"case": case.id, "key": answers, "reveal": reveal} for case in case_list]


# --- sandbox side ----------------------------------------------------------------------------


def _type_name(value: object) -> str:
    return type.__dict__["__name__"].__get__(type(value))[:MAX_TYPE_NAME]


def _shown(value: object) -> str:
    """A short, safe description of a value of any type (no method of the value runs), at most
    ``MAX_TEXT`` characters (an int's digits are cut too)."""
    if type(value) in (int, float, bool, type(None)):
        return repr(value)[:MAX_TEXT]
    if type(value) is str:
        return repr(value)[:MAX_TEXT]
    name = _type_name(value)
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def run(answer: object, case: FlashcardCase) -> Observation:
    """The student's answers as plain data: ``pairs`` of exact strings and ``problems``.

    Returns ``{"refused": sentence}`` when ``answer`` is not a dict or is far too big.
    """
    if not issubclass(type(answer), dict):
        return {"refused": f"`{ANSWER}` is a {_type_name(answer)}, not a dict."}
    # Its type is a dict (isinstance would believe a forged ``__class__``); read through dict's
    # own methods, never the student's overrides.
    answer = cast("dict[object, object]", answer)
    size = dict.__len__(answer)
    if size > MAX_ENTRIES:
        return {"refused": f"`{ANSWER}` has {size} entries; there are {len(case.cards)} cards."}
    pairs, problems = [], []
    for key, value in list(dict.items(answer)):
        if type(key) is not str:
            problems.append({"key": _shown(key), "problem": "key"})
        elif type(value) is not str:
            problems.append({"key": key[:MAX_TEXT], "problem": "value", "got": _shown(value)})
        else:
            pairs.append([key[:MAX_TEXT], value[:MAX_TEXT]])
    return {"pairs": pairs, "problems": problems}


# --- parent side -----------------------------------------------------------------------------


@dataclass
class Reading:
    """The student's answers as understood: card id -> canonical algorithm (None: unreadable)."""

    answers: dict[str, str | None]
    findings: list[Finding]


def read(case: FlashcardCase, observation: dict) -> Reading:
    """Understand the answers leniently, with a finding for everything that cannot count."""
    if "refused" in observation:
        return Reading({}, [Finding("invalid", observation["refused"] + _FORMAT)])
    findings = [_problem(problem) for problem in observation["problems"][:MAX_EXTRA]]
    # A card whose answer is not a str is answered, unreadably (not also "missing").
    answers: dict[str, str | None] = {
        card_of(problem["key"]): None
        for problem in observation["problems"]
        if problem["problem"] == "value" and card_of(problem["key"]) in case.cards
    }
    extra, conflicted = 0, set()
    for written, name in observation["pairs"]:
        card = card_of(written)
        if card not in case.cards:
            extra += 1
            if extra <= MAX_EXTRA:
                findings.append(_extra(written, case.cards))
            continue
        algorithm = canonical(name)
        if card not in answers:  # a card written several ways is told about once
            if algorithm is None:
                findings.append(_unknown(card, name))
            answers[card] = algorithm
        elif card not in conflicted and answers[card] != algorithm:
            conflicted.add(card)
            findings.append(
                Finding("conflict", f"Card {card} is answered twice, differently.", card)
            )
            answers[card] = None
    if extra > MAX_EXTRA:
        findings.append(
            Finding("extra", f"… and {extra - MAX_EXTRA} more keys that are not card ids.")
        )
    if not observation["pairs"] and not observation["problems"]:
        findings.append(Finding("unanswered", f"`{ANSWER}` is empty." + _FORMAT))
    else:
        missing = [card for card in case.cards if card not in answers]
        if missing:
            findings.append(
                Finding(
                    "unanswered",
                    f"No answer for {_cards(missing)}.",
                    None,
                    {"cards": missing},
                )
            )
    return Reading(answers, findings)


_FORMAT = (
    f' Write `{ANSWER} = {{"<card id>": "<algorithm>", ...}}` with one entry per card: the card '
    "ids are the file names in assets/flashcards/ without `.png`, the algorithms any of "
    f"{', '.join(ALGORITHMS)}."
)


def _cards(cards: list[str]) -> str:
    return ("card " if len(cards) == 1 else "cards ") + ", ".join(cards)


def _problem(problem: dict) -> Finding:
    cut = {key: str(value)[:MAX_QUOTED] for key, value in problem.items()}
    if cut["problem"] == "key":
        message = (
            f"A key of `{ANSWER}` is {cut['key']}, not a str: the keys are the card ids, such as "
            "the file names in assets/flashcards/ without `.png`."
        )
    else:
        message = (
            f"Card {cut['key']}: the answer is {cut.get('got', '')}, not a str naming one of "
            f"{', '.join(ALGORITHMS)}."
        )
    return Finding("invalid", message, None, cut)


# What a finding quotes of the student's own text: enough to recognise a typo, not a channel for
# whatever the student's code wrote there (its process held every case's inputs) nor a wall of
# text; the extra keys listed one by one, then counted.
MAX_QUOTED = 40
MAX_EXTRA = 5


def _quoted(text: str) -> str:
    """``text`` quoted, cut to ``MAX_QUOTED`` characters."""
    return repr(text) if len(text) <= MAX_QUOTED else repr(text[:MAX_QUOTED]) + "…"


def _extra(written: str, cards: tuple[str, ...]) -> Finding:
    short = len(written) <= MAX_QUOTED  # difflib is quadratic: no hint for a long key
    near = difflib.get_close_matches(card_of(written), cards, n=1, cutoff=0.5) if short else []
    hint = f" (did you mean {near[0]}?)" if near else ""
    return Finding(
        "extra",
        f"`{ANSWER}` has the key {_quoted(written)}, which is not a card id{hint}; it is ignored.",
        None,
        {"key": written[:MAX_QUOTED]},
    )


def _unknown(card: str, name: str) -> Finding:
    near = closest(name) if len(name) <= MAX_QUOTED else None
    hint = f"did you mean {near!r}? " if near else ""
    return Finding(
        "unknown",
        f"Card {card}: {_quoted(name)} is not one of the seven algorithms; {hint}"
        f"Use one of {', '.join(ALGORITHMS)}.",
        card,
        {"got": name[:MAX_QUOTED], "closest": near},
    )


def right_cards(reading: Reading, key: dict[str, str]) -> list[str]:
    """The cards answered with the right algorithm."""
    return [card for card, algorithm in key.items() if reading.answers.get(card) == algorithm]


def judge(
    test: TestSpec,
    cases: list[FlashcardCase],
    observations: list[Observation],
    expected: list[Observation],
) -> list[Finding]:
    """What counts and what does not; with the key, which cards are right."""
    case, observation, want = cases[0], observations[0], expected[0]
    reading = read(case, observation)
    key = want.get("key")
    if key is None:
        return [*reading.findings, _ungraded(reading, case)]
    right = right_cards(reading, key)
    wrong = [card for card in key if reading.answers.get(card) is not None and card not in right]
    findings = [
        Finding(
            "score",
            f"{len(right)} of {len(key)} cards are matched correctly.",
            None,
            {"right": len(right), "cards": len(key)},
        )
    ]
    if wrong:
        findings.append(_wrong(wrong, reading, key, reveal=want.get("reveal", False)))
    return findings + reading.findings


def _wrong(wrong: list[str], reading: Reading, key: dict[str, str], *, reveal: bool) -> Finding:
    if reveal:
        told = "; ".join(f"{card} is {key[card]}, not {reading.answers[card]}" for card in wrong)
        message = f"Matched wrongly: {told}."
    else:
        message = f"Matched wrongly: {_cards(wrong)}."
    return Finding("wrong", message, None, {"cards": wrong})


def _ungraded(reading: Reading, case: FlashcardCase) -> Finding:
    readable = sum(algorithm is not None for algorithm in reading.answers.values())
    return Finding(
        "ungraded",
        f"{readable} of {len(case.cards)} cards have an answer naming one of the seven "
        "algorithms. Your answers are checked when your instructor grades: the answer key is "
        "not part of your copy.",
        None,
        {"readable": readable, "cards": len(case.cards)},
    )


def score(
    findings: list[Finding],
    cases: list[FlashcardCase],
    observations: list[Observation],
    expected: list[Observation],
) -> float:
    """The fraction of cards matched correctly (0 where there is no key to check against)."""
    key = expected[0].get("key")
    if not key:
        return 0.0
    return len(right_cards(read(cases[0], observations[0]), key)) / len(key)
