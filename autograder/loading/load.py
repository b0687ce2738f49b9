"""Load a submission: a notebook's or ``.py`` file's answers as a module text, not executed here.

The first stage of the grading pipeline (load → run in the sandbox → judge → report). What a
submission contributes, cell by cell from top to bottom (so the last definition wins, as when the
notebook runs top to bottom):

1. every top-level ``import`` / ``from ... import`` of every code cell (the test cells'
   ``autograder.notebook`` and anything from ``solutions`` excepted);
2. every *answer cell*, found by its nbgrader ``grade_id`` (``spec.ANSWER_NAMES``), without its
   top-level bare expressions (the ``print(...)`` and trial calls students leave behind);
3. from every other cell, only definitions: functions, classes, assignments that call nothing,
   and assignments to an answer name. That is how an answer is still found when a student
   deleted and recreated its cell or duplicated a ``grade_id``; and it is why training runs and
   plots in unrelated cells never execute.

IPython magics and shell lines become ``pass``. Problems (broken JSON, not a notebook, duplicated
``grade_id``s, syntax errors) are recorded in ``Submission.problems``: a cell that does not parse is
split at its top-level statements and only the broken part is skipped, so other answers survive.
Nothing here raises on bad input.

Two steps, so that the batch grader never parses a student's file in its own process:
``read_submission`` (the bytes, the size cap ``MAX_BYTES``, the digest: grader side) and
``parse_submission`` (everything above: in the sandboxed child, where its cost is that
submission's alone). ``load_submission`` does both, for the self-check. Parsing is linear in the
file's size, the recovery from syntax errors included.
"""

from __future__ import annotations

import ast
import hashlib
import io
import itertools
import json
import re
import tokenize
import traceback
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from autograder.loading import needed
from autograder.loading.syntax import bound_names, parse, segment, syntax_error
from autograder.spec import ANSWER_NAMES

# Larger files are not read: no honest submission comes near it.
MAX_BYTES = 16 << 20
# The test cells' API and the instructor's side are not the student's code (autograder's course
# helpers, such as its surfaces, are: notebooks import them).
GRADER_PACKAGES = ("autograder.notebook", "solutions")
# Cell magics whose body is Python that runs in the notebook's namespace.
PYTHON_CELL_MAGICS = ("time", "capture")
_MAGIC_LINE = re.compile(r"^(\s*)(?:[%!]|[\w.]+\s*=\s*[%!]|[\w.]+\?{1,2}\s*$)")
# Where a new top-level statement may start: used to split a file that does not parse.
_TOP_LEVEL_START = re.compile(r"^(?:@|def |async def |class |import |from |[A-Za-z_]\w*\s*[:=])")


@dataclass(frozen=True)
class Chunk:
    """One piece of the module, executed on its own so one failure does not stop the rest.

    Attributes:
        label: where it comes from, e.g. ``"cell 7 (grade_id adam_step)"``.
        code: Python source.
        defines: the top-level names it binds.
    """

    label: str
    code: str
    defines: tuple[str, ...] = ()


@dataclass
class Submission:
    """One student's submission, ready to run.

    Attributes:
        student: the student's id.
        path: the notebook or ``.py`` file.
        chunks: the pieces of ``source``, in order.
        answers: answer name -> source of the cell or definition that defines it (the last one).
        problems: human-readable notes on what could not be used, and why.
        digest: SHA-256 of the file's bytes (the batch grader skips unchanged submissions).
        raw: the file's bytes (empty when it could not be read).
    """

    student: str
    path: PurePath  # the child parses without the file: a name, never opened there
    chunks: list[Chunk] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    digest: str = ""
    raw: bytes = field(default=b"", repr=False)

    @property
    def source(self) -> str:
        """A Python module text: every chunk, each under a comment saying where it comes from."""
        return "\n\n".join(f"# --- {chunk.label}\n{chunk.code}" for chunk in self.chunks) + "\n"


def load_submission(path: Path, student: str | None = None) -> Submission:
    """Read and parse a notebook (``.ipynb``) or a ``.py`` file; never raises on bad content."""
    return parse_submission(read_submission(path, student))


def read_submission(path: Path, student: str | None = None) -> Submission:
    """The file's bytes and digest, not parsed; a file over ``MAX_BYTES`` is not read."""
    path = Path(path)
    submission = Submission(student or path.stem, path)
    try:
        if path.stat().st_size > MAX_BYTES:
            submission.problems.append(
                f"{path.name} is larger than {MAX_BYTES >> 20} MiB: it was not read, nothing "
                "could be graded."
            )
            return submission
        submission.raw = path.read_bytes()
    except OSError as error:
        submission.problems.append(f"Could not read {path.name}: {error.strerror or error}.")
        return submission
    submission.digest = hashlib.sha256(submission.raw).hexdigest()
    return submission


def parse_submission(submission: Submission) -> Submission:
    """Fill ``submission``'s chunks, answers and problems from its bytes; never raises on bad
    content. Linear in the file's size."""
    path = submission.path
    if not submission.raw:
        return submission
    text = _decode(submission.raw, path, submission.problems)
    try:
        if path.suffix == ".ipynb":
            cells = _notebook_cells(text, submission.problems)
        else:
            cells = [(f"{path.name}", None, text)]
        _collect(cells, submission, per_statement=path.suffix != ".ipynb")
    except Exception as error:  # nested or repeated past what the parsers take: hostile or broken
        submission.chunks.clear()
        submission.answers.clear()
        submission.problems.append(
            f"{path.name} could not be read ({type(error).__name__}: its code or JSON is nested "
            "or repeated beyond what the grader reads); nothing could be graded."
        )
    return submission


def _decode(raw: bytes, path: PurePath, problems: list[str]) -> str:
    """The file's text: a ``.py`` file in the encoding it declares (PEP 263), else UTF-8;
    undecodable bytes become U+FFFD, with a note."""
    encoding = "utf-8"
    if path.suffix != ".ipynb":
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        except SyntaxError:  # an unknown declared encoding
            problems.append(f"{path.name}: its declared encoding is unknown; read as UTF-8.")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        problems.append(f"{path.name} is not valid {encoding}: undecodable bytes were replaced.")
        return raw.decode(encoding, errors="replace")


def namespace_from(submission: Submission, errors: list[str] | None = None) -> dict:
    """Execute the submission in this process (the self-check): a fresh namespace of its names.

    Each chunk runs on its own; an exception is appended to ``errors`` (or to the submission's
    problems) and the next chunk runs anyway.
    """
    namespace: dict = {"__name__": "submission", "__builtins__": __builtins__}
    sink = submission.problems if errors is None else errors
    for chunk in submission.chunks:
        error = exec_chunk(chunk, namespace)
        if error:
            sink.append(error)
    return namespace


def exec_chunk(chunk: Chunk, namespace: dict) -> str | None:
    """Run one chunk in ``namespace``; on an exception, a sentence saying what went wrong."""
    try:
        exec(compile(chunk.code, f"<{chunk.label}>", "exec"), namespace)
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        where = traceback.extract_tb(error.__traceback__)[-1].lineno
        return f"{chunk.label}, line {where}: {type(error).__name__}: {str(error)[:300]}"
    return None


def _notebook_cells(text: str, problems: list[str]) -> list[tuple[str, str | None, str]]:
    """(label, grade_id, source) of every code cell; problems noted, never raised."""
    try:
        data = json.loads(text)
    except ValueError as error:
        problems.append(f"The notebook is not valid JSON ({error}); nothing could be graded.")
        return []
    if not isinstance(data, dict):
        problems.append("The file is not a notebook (its JSON is not an object).")
        return []
    cells = data.get("cells")
    if cells is None and isinstance(data.get("worksheets"), list):  # nbformat 3
        cells = [cell for sheet in data["worksheets"] for cell in sheet.get("cells", [])]
    if not isinstance(cells, list):
        problems.append("The file is not a notebook (it has no list of cells).")
        return []
    out = []
    seen: dict[str, int] = {}
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        source = "".join(source) if isinstance(source, list) else str(source)
        metadata = cell.get("metadata")
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        grade_id = grade_id if isinstance(grade_id, str) else None
        label = f"cell {number}" + (f" (grade_id {_shown_id(grade_id)})" if grade_id else "")
        if grade_id in ANSWER_NAMES:
            seen[grade_id] = seen.get(grade_id, 0) + 1
        out.append((label, grade_id, source))
    for grade_id, count in seen.items():
        if count > 1:
            problems.append(
                f"grade_id {grade_id!r} is used by {count} cells; the last definition of "
                f"`{grade_id}` is graded, as when the notebook runs top to bottom."
            )
    return out


def _collect(
    cells: list[tuple[str, str | None, str]], submission: Submission, *, per_statement: bool
) -> None:
    """Turn cells into chunks: answer cells whole, definitions elsewhere.

    A notebook's chunk is a cell (what the student runs at once); a ``.py`` file's chunk is one
    top-level statement, so that one failing statement costs only what it defines.
    """
    parsed = []
    for label, grade_id, raw in cells:
        source = _strip_magics(raw, label, submission.problems)
        if source is None:
            continue
        is_answer_cell = grade_id in ANSWER_NAMES
        for offset, code, tree in _parse_cell(source, label, submission.problems):
            parsed.append((label, is_answer_cell, offset, code, tree))
    needed_values = _needed_assignments(parsed)
    for label, is_answer_cell, offset, code, tree in parsed:
        kept = [
            node for node in tree.body if _keep(node, is_answer_cell) or id(node) in needed_values
        ]
        lines = code.splitlines()
        groups = [[node] for node in kept] if per_statement else [kept] if kept else []
        for group in groups:
            text = "\n".join(segment(lines, node) for node in group)
            where = f"{label}, line {offset + group[0].lineno}" if per_statement else label
            last = {name: node for node in group for name in bound_names(node)}
            submission.chunks.append(Chunk(where, text, tuple(last)))
            for name in last.keys() & set(ANSWER_NAMES):
                submission.answers[name] = text if is_answer_cell else segment(lines, last[name])


def _needed_assignments(parsed: list[tuple[str, bool, int, str, ast.Module]]) -> set[int]:
    """Assignments outside answer cells whose value calls something (``_keep`` drops those: they
    may train a model) but that an answer needs, directly or through other definitions, such as
    ``HALF = math.sqrt(0.25)`` used by ``sgd_step``: the ids of their nodes."""
    kept: list[ast.stmt] = []
    candidates: list[ast.stmt] = []
    for _, is_answer_cell, _, _, tree in parsed:
        for node in tree.body:
            if _keep(node, is_answer_cell):
                kept.append(node)
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                candidates.append(node)
    if not candidates:
        return set()
    return {id(node) for node in candidates} & needed.reachable(kept + candidates)


def _strip_magics(source: str, label: str, problems: list[str]) -> str | None:
    """IPython magics and shell lines as ``pass`` (indentation kept); None for a non-Python cell."""
    if parse(source) is not None:
        return source  # valid Python: nothing to strip (a "% of" in a docstring stays)
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in PYTHON_CELL_MAGICS:
            problems.append(f"{label}: skipped (the cell magic {lines[0].strip()!r}).")
            return None
        lines = lines[1:]
    return "\n".join(
        f"{match.group(1)}pass" if (match := _MAGIC_LINE.match(line)) else line for line in lines
    )


def _parse_cell(source: str, label: str, problems: list[str]) -> list[tuple[int, str, ast.Module]]:
    """(line offset, code, tree) of the cell parsed whole or, when it does not parse, of its
    top-level statements that do, each starting at the cell's line ``offset + 1``. Each line is
    parsed once or twice, whatever the number of pieces: linear in the cell's size."""
    tree = parse(source)
    if tree is not None:
        return [(0, source, tree)]
    pieces, broken = [], []
    for start, piece in _split_top_level(source):
        piece_tree = parse(piece)
        if piece_tree is None:
            error = syntax_error(piece)
            shown = (error.text or "").strip()
            text = f" in {shown[:120]!r}" if shown else ""
            broken.append(f"line {start + (error.lineno or 1)}: {error.msg}{text}")
        else:
            pieces.append((start, piece, piece_tree))
    problems.append(
        f"{label}: syntax error ({'; '.join(broken)}); the rest of the cell is still graded."
    )
    return pieces


def _split_top_level(source: str) -> list[tuple[int, str]]:
    """(first line index, text) of the pieces that start at a plausible top-level statement."""
    lines = source.splitlines()
    starts = [
        index
        for index, line in enumerate(lines)
        if _TOP_LEVEL_START.match(line) and not (index and lines[index - 1].startswith("@"))
    ]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(lines)]
    return [(a, "\n".join(lines[a:b])) for a, b in itertools.pairwise(bounds) if a < b]


def _keep(node: ast.stmt, is_answer_cell: bool) -> bool:
    """Whether a top-level statement belongs in the module (see the module docstring)."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return not _imports_grader(node)
    if _is_main_guard(node):
        return False
    if is_answer_cell:
        return not isinstance(node, ast.Expr)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return True
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        answers = set(bound_names(node)) & set(ANSWER_NAMES)
        return bool(answers) or not any(isinstance(sub, ast.Call) for sub in ast.walk(node.value))
    return False


def _imports_grader(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        names = [node.module or ""] if not node.level else ["."]
    else:
        names = [alias.name for alias in node.names]
    return any(
        name == "." or any(name == p or name.startswith(p + ".") for p in GRADER_PACKAGES)
        for name in names
    )


def _is_main_guard(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )


def _shown_id(grade_id: str) -> str:
    """A grade_id as a label may show it: one line of printable characters, at most 80 (a label
    stands in a comment of the module text the report shows)."""
    shown = "".join(char if char.isprintable() else "?" for char in str(grade_id))
    return shown[:80] + ("..." if len(shown) > 80 else "")
