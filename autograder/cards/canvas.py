"""What every card shares: its size, its fonts, its frame and id, and a deterministic PNG.

Every card is ``SIZE`` pixels whatever its deck or answer, carries its id in the top-left corner
(so printed cards can be matched too) and is written by Pillow without any metadata, so the same
pixels always make the same file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg  # no pyplot: no backend is chosen
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

SIZE = (720, 480)
DPI = 100
BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)
FAINT = (120, 120, 120)
FRAME = (190, 190, 190)
FONT = Path(__file__).resolve().parents[1] / "fonts" / "DejaVuSans.ttf"
ID_FONT_SIZE = 17

# Matplotlib settings for everything a card draws: DejaVu Sans for text and for math (the same
# open-licence font as autograder/fonts/), and no dependence on the user's matplotlibrc.
RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "text.usetex": False,
    "text.hinting": "default",
    "text.antialiased": True,
    "lines.antialiased": True,
    "svg.hashsalt": "cards",
}


def figure(size: tuple[int, int]) -> Figure:
    """A matplotlib figure of exactly ``size`` pixels, not registered with pyplot."""
    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def rasterise(fig: Figure) -> Image.Image:
    """The figure's pixels as an RGBA image (nothing written to disk)."""
    canvas = cast(FigureCanvasAgg, fig.canvas)  # ``figure`` gave it an Agg canvas
    canvas.draw()
    return Image.fromarray(np.asarray(canvas.buffer_rgba()).copy(), "RGBA")


def math_image(tex: str, fontsize: float, color: tuple[int, int, int] = INK) -> Image.Image:
    """One line of mathtext (``$...$``), tightly cropped, on a transparent background."""
    with matplotlib.rc_context(RC):
        fig = figure((1400, 200))
        fig.patch.set_alpha(0.0)
        rgb = tuple(channel / 255 for channel in color)
        fig.text(0.01, 0.5, tex, fontsize=fontsize, color=rgb, va="center")
        image = rasterise(fig)
    box = image.getchannel("A").getbbox()
    if box is None:
        raise ValueError(f"Nothing was drawn for {tex!r}")
    if box[2] >= image.width - 2:
        raise ValueError(f"{tex!r} is too wide for a card line")
    return image.crop(box)


def blank() -> Image.Image:
    """An empty white card."""
    return Image.new("RGB", SIZE, BACKGROUND)


def finish(card: Image.Image, card_id: str) -> Image.Image:
    """Add the frame and the card's id in the top-left corner."""
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, SIZE[0] - 1, SIZE[1] - 1), outline=FRAME, width=2)
    font = ImageFont.truetype(str(FONT), ID_FONT_SIZE)
    draw.text((14, 10), card_id, fill=FAINT, font=font)
    return card


def png_bytes(card: Image.Image) -> bytes:
    """The card as PNG bytes: RGB, no text chunks, no timestamp, fixed compression."""
    buffer = io.BytesIO()
    card.convert("RGB").save(buffer, format="PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def save(card: Image.Image, path: Path) -> Path:
    """Write the card to ``path`` (only when its bytes changed, so a rerun touches nothing)."""
    data = png_bytes(card)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path
