"""Does the flash-card quiz grade fairly: lenient names, partial credit, clear feedback, no trust in
the student's objects, and no answers given away?"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from autograder.cards import key as answer_key
from autograder.checks import KINDS, flashcards
from autograder.spec import ALGORITHMS, BY_NAME
from autograder.verdict.engine import grade_namespace
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


KEY = answer_key.answers(answer_key.load_key(SOURCES))
CARDS = sorted(KEY)
POINTS = BY_NAME["flashcards"].points


def grade(answers: object, sources: Sources = SOURCES):
    (result,) = grade_namespace(
        {"FLASHCARD_ANSWERS": answers}, sources=sources, tests=["flashcards"]
    )
    return result


def kinds(result) -> list[str]:
    return [finding.kind for finding in result.findings]


def another(algorithm: str) -> str:
    """A wrong answer for a card of ``algorithm``."""
    return ALGORITHMS[(ALGORITHMS.index(algorithm) + 1) % len(ALGORITHMS)]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("SGD with momentum", "momentum"),
        ("sgd-momentum", "momentum"),
        ("Heavy ball", "momentum"),
        ("Nesterov momentum", "nesterov"),
        ("Nesterov's accelerated gradient", "nesterov"),
        ("NAG", "nesterov"),
        ("RMSprop", "rmsprop"),
        ("rms_prop", "rmsprop"),
        ("AdaGrad", "adagrad"),
        ("Gradient Descent", "gradient_descent"),
        ("batch gradient descent", "gradient_descent"),
        ("  GRADIENT_DESCENT ", "gradient_descent"),
        ("stochastic gradient descent", "sgd"),
        ("Mini-batch SGD", "sgd"),
        ("Adaptive Moment Estimation", "adam"),
        ("torch.optim.Adam", "adam"),
        ("adam_step", "adam"),
        ("Adam optimizer", "adam"),
    ],
)
def test_names_people_write_are_understood(written, meant):
    """Is each common spelling read as its algorithm?"""
    assert flashcards.canonical(written) == meant


@pytest.mark.parametrize(
    ("written", "suggestion"),
    [("adamw", "adam"), ("nestrov", "nesterov"), ("momemtum", "momentum"), ("banana", None)],
)
def test_unknown_names_are_refused_with_the_closest_suggestion(written, suggestion):
    """Is a name of no algorithm refused, with the nearest canonical name suggested if any?"""
    assert flashcards.canonical(written) is None
    assert flashcards.closest(written) == suggestion


def test_all_right_scores_full_marks():
    """Does the key itself, written leniently, score full marks?"""
    lenient = {card.upper(): algorithm.replace("_", " ").title() for card, algorithm in KEY.items()}
    result = grade(lenient)
    assert result.passed and result.score == POINTS
    assert "14 of 14" in result.feedback


@pytest.mark.parametrize("wrong", [1, 3, 7, 14])
def test_partial_credit_is_per_card(wrong):
    """Does each wrong card cost exactly its share of the points, and is it named?"""
    answers = dict(KEY)
    for card in CARDS[:wrong]:
        answers[card] = another(KEY[card])
    result = grade(answers)
    assert result.score == pytest.approx(POINTS * (len(KEY) - wrong) / len(KEY))
    assert not result.passed
    assert all(card in result.feedback for card in CARDS[:wrong])
    assert not any(card in result.feedback for card in CARDS[wrong:])


def test_feedback_does_not_reveal_answers_by_default():
    """Does the feedback say which cards are wrong without saying what they are?"""
    card = CARDS[0]
    result = grade({**KEY, card: another(KEY[card])})
    wrong_line = next(f.message for f in result.findings if f.kind == "wrong")
    assert card in wrong_line and KEY[card] not in wrong_line


def test_the_instructor_may_reveal_answers(monkeypatch):
    """With ``reveal_answers`` on, does the feedback name the right algorithm?"""
    original = KINDS["flashcards"]
    revealing = dataclasses.replace(
        original,
        expected=lambda cases, sources: [
            {**want, "reveal": True} for want in original.expected(cases, sources)
        ],
    )
    monkeypatch.setitem(KINDS, "flashcards", revealing)
    card = CARDS[0]
    result = grade({**KEY, card: another(KEY[card])})
    wrong_line = next(f.message for f in result.findings if f.kind == "wrong")
    assert f"{card} is {KEY[card]}" in wrong_line


def test_unknown_missing_and_extra_are_explained():
    """Are an unknown name, a missing card and an extra key each told, costing only their card?"""
    unknown, missing = CARDS[0], CARDS[1]
    answers = {**KEY, unknown: "adamw", "rule-zzzz": "adam"}
    del answers[missing]
    result = grade(answers)
    assert {"unknown", "unanswered", "extra"} <= set(kinds(result))
    messages = {f.kind: f.message for f in result.findings}
    assert unknown in messages["unknown"] and "'adam'" in messages["unknown"]
    assert missing in messages["unanswered"]
    assert "rule-zzzz" in messages["extra"]
    assert result.score == pytest.approx(POINTS * (len(KEY) - 2) / len(KEY))


def test_card_ids_are_read_leniently():
    """Are ids with spaces, capitals, a folder or ``.png`` matched to their card?"""
    answers = {f" assets/flashcards/{card.upper()}.png": name for card, name in KEY.items()}
    assert grade(answers).passed


def test_a_card_answered_twice_differently_counts_as_wrong():
    """Does a card given two different answers (via two spellings of its id) earn nothing?"""
    card = CARDS[0]
    result = grade({**KEY, card.upper(): another(KEY[card])})
    assert "conflict" in kinds(result)
    assert result.score == pytest.approx(POINTS * (len(KEY) - 1) / len(KEY))


@pytest.mark.parametrize("answers", [[("rule-x", "adam")], "adam", None, 3, {"a", "b"}])
def test_non_dicts_score_zero_with_the_expected_format(answers):
    """Is anything but a dict refused with what to write instead?"""
    result = grade(answers)
    assert result.score == 0
    assert "invalid" in kinds(result)
    assert "not a dict" in result.feedback and "<card id>" in result.feedback


def test_an_empty_dict_is_told_apart():
    """Is the untouched stub (an empty dict) told to be filled in?"""
    result = grade({})
    assert result.score == 0 and "is empty" in result.feedback


class LyingStr(str):
    """A str subclass that claims equality with everything."""

    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


class Exploding:
    """Every method a grader might call raises."""

    def __str__(self):
        raise RuntimeError("boom")

    __repr__ = __str__

    def __eq__(self, other):
        raise RuntimeError("boom")

    def __hash__(self):
        return 1


class SneakyDict(dict):
    """A dict whose overridden views lie; the stored items are the truth."""

    def items(self):
        return [(card, algorithm) for card, algorithm in KEY.items()]

    def keys(self):
        raise RuntimeError("boom")

    def __iter__(self):
        raise RuntimeError("boom")

    def __len__(self):
        return 14


class PretendDict:
    """Not a dict, though it says so."""

    @property
    def __class__(self):
        return dict


def test_hostile_objects_are_read_without_running_their_code():
    """Are str subclasses, objects that explode, dicts with lying views and impostors refused or
    read through dict's own methods, never trusted?"""
    card = CARDS[0]
    tricked = grade({LyingStr(card): LyingStr("adam"), Exploding(): "adam", card: Exploding()})
    assert tricked.score == 0
    assert "a LyingStr, not a str" in tricked.feedback and "an Exploding" in tricked.feedback

    sneaky = SneakyDict({card: another(KEY[card])})
    result = grade(sneaky)
    assert result.score == 0  # what is stored is one wrong answer, whatever items() says
    assert "unanswered" in kinds(result)

    assert "not a dict" in grade(PretendDict()).feedback


def test_a_huge_dict_is_refused_unread():
    """Is a dict far bigger than the deck refused rather than read?"""
    result = grade({f"k{index}": "adam" for index in range(10_000)})
    assert result.score == 0 and "10000 entries" in result.feedback


def test_observations_are_plain_json():
    """Is what crosses back from the sandbox plain JSON, long texts cut short?"""
    case = flashcards.public_cases("flashcards")[0]
    observation = flashcards.run({"x" * 10_000: "y" * 10_000, 3: "adam"}, case)
    assert json.loads(json.dumps(observation)) == observation
    assert len(observation["pairs"][0][0]) == flashcards.MAX_TEXT


def test_without_the_key_only_format_and_names_are_checked():
    """On a student's machine, does the self-check validate names, score nothing, and say that the
    instructor grades the answers?"""
    result = grade({**KEY, CARDS[0]: "adamw"}, Sources.student())
    assert result.score == 0
    assert kinds(result) == ["unknown", "ungraded"]
    assert "13 of 14 cards have an answer" in result.feedback
    assert "when your instructor grades" in result.feedback
    assert "matched" not in result.feedback


def test_the_check_does_not_import_matplotlib():
    """Can the sandbox load the flashcards check without matplotlib?"""
    code = (
        "import sys, autograder.checks.flashcards\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_partly_answered_quiz_is_told_what_is_left():
    """Does a quiz with cards left unanswered keep its score and its findings in the sandboxed
    path (not "not defined", which is for an answer that is missing altogether)?"""
    from autograder.sandbox import Limits
    from autograder.verdict.grade import _explained

    answers = {card: KEY[card] for card in CARDS[:10]}
    result = grade(answers)
    assert "unanswered" in kinds(result)
    explained = _explained(result, [], Limits(), ["FLASHCARD_ANSWERS"])
    assert "unanswered" in kinds(explained)
    assert not any("not defined" in finding.message for finding in explained.findings)
    assert explained.score == pytest.approx(POINTS * 10 / len(CARDS))


def test_extra_keys_are_quoted_short_and_counted():
    """Are keys that are not card ids quoted at most 40 characters long, at most five of them,
    and the rest counted (the quiz is no channel for what the student's process held)?"""
    answers = {card: KEY[card] for card in CARDS}
    answers.update({f"leak-{index:03d}-" + "x" * 200: "sgd" for index in range(30)})
    result = grade(answers)
    extra = [finding for finding in result.findings if finding.kind == "extra"]
    assert len(extra) == flashcards.MAX_EXTRA + 1
    assert "25 more keys" in extra[-1].message
    assert all(len(finding.message) < 200 for finding in extra)
    assert result.score == POINTS  # extra keys cost nothing


def test_a_card_written_many_ways_is_told_about_once():
    """Is a card answered under many spellings, all unknown names, told about once (one finding
    per card, however many spellings), and a card answered twice differently one conflict?"""
    card = CARDS[0]
    answers = {
        f"{prefix}{card}{suffix}": f"not-an-algorithm-{i}"
        for i, (prefix, suffix) in enumerate(
            (p, s) for p in ("", " ", "  ", "a/", "b/") for s in ("", ".png", " ")
        )
    }
    result = grade(answers)
    assert sum(finding.case == card for finding in result.findings) <= 2
    twice = grade({card: KEY[card], f" {card}": another(KEY[card])})
    assert [finding.kind for finding in twice.findings].count("conflict") == 1


@pytest.mark.parametrize("odd", [10**100, -(10**90) - 0.5, ("a",) * 50])
def test_an_odd_answer_costs_only_its_card(odd):
    """Does an answer that is a huge number (or any other non-str) lose only its own card, the
    child's description of it fitting the grader's bounds on what comes back?"""
    answers = {card: KEY[card] for card in CARDS}
    answers[CARDS[0]] = odd
    result = grade(answers)
    assert result.score == pytest.approx(POINTS * (len(CARDS) - 1) / len(CARDS))
    assert "invalid" in kinds(result) and "malformed" not in result.feedback
