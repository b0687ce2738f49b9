r"""The update-rule deck: each algorithm's update typeset as a lecture would show it.

The cards use the textbook forms (momentum as a velocity :math:`v \leftarrow \mu v - \eta g`,
Nesterov with its look-ahead gradient), not ``torch.optim``'s conventions: the quiz asks whether a
student recognises an algorithm from the formula met in a lecture. A card never names its
algorithm; its notes use neutral words only (``tests/test_flashcards_deck.py`` checks).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from autograder.cards import canvas

MATH_SIZE = 25  # points: about 35 pixels per em on the card
NOTE_SIZE = 15
LINE_GAP = 22
NOTE_GAP = 8
TOP = 44  # below the id


@dataclass(frozen=True)
class Rule:
    """A card's content: equations (aligned on their first ``=``) and notes below them."""

    lines: tuple[str, ...]
    notes: tuple[str, ...]


_MINIBATCH = r"$g_t = \nabla L(\theta_t)$ on a random minibatch;  $\eta$: learning rate"

RULES: dict[str, Rule] = {
    "gradient_descent": Rule(
        (
            r"$\theta_{t+1} = \theta_t - \eta\, \nabla L(\theta_t)$",
            r"$L(\theta) = \dfrac{1}{N} \sum_{i=1}^{N} \ell(x_i, y_i;\, \theta)$",
        ),
        (r"all $N$ training examples at every step;  $\eta$: learning rate",),
    ),
    "sgd": Rule(
        (
            r"$g_t = \dfrac{1}{|B_t|} \sum_{i \in B_t} \nabla_\theta\, \ell(x_i, y_i;\, \theta_t)$",
            r"$\theta_{t+1} = \theta_t - \eta\, g_t$",
        ),
        (r"$B_t$: a minibatch drawn at random;  $\eta$: learning rate",),
    ),
    "momentum": Rule(
        (
            r"$v_{t+1} = \mu\, v_t - \eta\, g_t$",
            r"$\theta_{t+1} = \theta_t + v_{t+1}$",
        ),
        (_MINIBATCH, r"$v_0 = 0$;  $\mu \in [0, 1)$"),
    ),
    "nesterov": Rule(
        (
            r"$v_{t+1} = \mu\, v_t - \eta\, \nabla L(\theta_t + \mu\, v_t)$",
            r"$\theta_{t+1} = \theta_t + v_{t+1}$",
        ),
        (
            r"$\nabla L$ on a random minibatch;  $\eta$: learning rate",
            r"$v_0 = 0$;  $\mu \in [0, 1)$",
        ),
    ),
    "adagrad": Rule(
        (
            r"$G_t = G_{t-1} + g_t \odot g_t$",
            r"$\theta_{t+1} = \theta_t - \dfrac{\eta}{\sqrt{G_t} + \epsilon} \odot g_t$",
        ),
        (_MINIBATCH, r"$G_0 = 0$;  $\epsilon$: a small constant;  operations per coordinate"),
    ),
    "rmsprop": Rule(
        (
            r"$v_t = \rho\, v_{t-1} + (1 - \rho)\, g_t \odot g_t$",
            r"$\theta_{t+1} = \theta_t - \dfrac{\eta}{\sqrt{v_t} + \epsilon} \odot g_t$",
        ),
        (_MINIBATCH, r"$v_0 = 0$;  $\rho \in [0, 1)$;  operations per coordinate"),
    ),
    "adam": Rule(
        (
            r"$m_t = \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t$",
            r"$v_t = \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t \odot g_t$",
            r"$\hat{m}_t = \dfrac{m_t}{1 - \beta_1^{\,t}}, \qquad "
            r"\hat{v}_t = \dfrac{v_t}{1 - \beta_2^{\,t}}$",
            r"$\theta_{t+1} = \theta_t - \eta\, \dfrac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}$",
        ),
        (_MINIBATCH, r"$m_0 = v_0 = 0$;  $t = 1, 2, \ldots$;  operations per coordinate"),
    ),
}


def _through_equals(tex: str) -> str:
    """The math up to and including the first ``=`` (the lines are aligned on it)."""
    return tex.split("=", 1)[0] + "=$"


def draw(algorithm: str, card_id: str) -> Image.Image:
    """The update-rule card of ``algorithm``, labelled ``card_id``."""
    rule = RULES[algorithm]
    lines = [canvas.math_image(tex, MATH_SIZE) for tex in rule.lines]
    offsets = [canvas.math_image(_through_equals(tex), MATH_SIZE).width for tex in rule.lines]
    notes = [canvas.math_image(tex, NOTE_SIZE, canvas.FAINT) for tex in rule.notes]
    indent = [max(offsets) - offset for offset in offsets]
    block_width = max(shift + line.width for shift, line in zip(indent, lines))
    notes_height = sum(note.height for note in notes) + NOTE_GAP * (len(notes) + 2)
    block_height = sum(line.height for line in lines) + LINE_GAP * (len(lines) - 1)
    width, height = canvas.SIZE
    if block_width > width - 40 or block_height + notes_height > height - TOP:
        raise ValueError(f"The rule of {algorithm} does not fit on a card")

    card = canvas.blank()
    left = (width - block_width) // 2
    y = TOP + (height - TOP - notes_height - block_height) // 2
    for shift, line in zip(indent, lines):
        card.paste(line, (left + shift, y), line)
        y += line.height + LINE_GAP
    y = height - notes_height + 2 * NOTE_GAP
    for note in notes:
        card.paste(note, ((width - note.width) // 2, y), note)
        y += note.height + NOTE_GAP
    return canvas.finish(card, card_id)
