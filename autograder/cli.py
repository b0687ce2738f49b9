"""The command line: one click group, each command a thin pass-through to a keyword-only ``main``
of the module that does the work, so the CLI and the Python API cannot disagree.

Modules are imported inside each command, so ``autograder check`` does not pay for the batch
grader's imports and the other way round.
"""

from __future__ import annotations

from pathlib import Path

import click

from autograder import defaults


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="optim-autograder")
def main() -> None:
    """Auto-grading for the Optimisation for Deep Learning exercises."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="Folder for reports."
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["gradescope"]),
    help="Also write this format (Gradescope's results.json, for a single submission).",
)
@click.option(
    "--jobs",
    "-j",
    default=defaults.JOBS,
    show_default="all cores",
    help="Submissions graded at once.",
)
@click.option("--force", is_flag=True, help="Grade again what DIR already holds.")
@click.option(
    "--public-only", is_flag=True, help="Grade on the public cases only (no solutions/ needed)."
)
@click.option(
    "--timeout", default=defaults.TIMEOUT, show_default=True, help="Seconds allowed per test."
)
@click.option(
    "--memory", default=defaults.MEMORY_MB, show_default=True, help="MiB allowed per submission."
)
@click.option(
    "--unconfined",
    is_flag=True,
    help="Grade even where the kernel cannot confine submissions to their files (no Landlock): "
    "every report then says so. Without it, such a machine refuses to grade.",
)
@click.option(
    "--shard",
    "part",
    callback=lambda ctx, param, value: _shard(value),
    metavar="K/N",
    help="Grade only shard K of N (by a hash of the student id); merge the N folders after.",
)
@click.option(
    "--budget",
    default=defaults.BUDGET,
    show_default=f"{defaults.BUDGET_TIMEOUTS} x --timeout",
    help="Seconds allowed per submission, wall-clock and CPU, for reading it and all its tests "
    "together (retries included), on top of --timeout per test.",
)
def grade(
    paths, out, formats, jobs, force, public_only, timeout, memory, unconfined, part, budget
) -> None:
    """Grade notebooks, .py files, or folders of them (nbgrader's submitted/ layout included)."""
    from autograder.sandbox import forkserver

    forkserver.start()  # the sandbox imports torch there while the next line imports it here
    from autograder import batch

    raise SystemExit(
        batch.main(
            paths=list(paths),
            out=out,
            formats=list(formats),
            jobs=jobs,
            force=force,
            hidden=not public_only,
            timeout=timeout,
            memory_mb=memory,
            unconfined=unconfined,
            part=part,
            budget=budget,
        )
    )


def _shard(value: str | None) -> tuple[int, int] | None:
    from autograder.course.shard import parse

    try:
        return None if value is None else parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command()
@click.argument(
    "folders",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="Folder of the gradebook."
)
def merge(folders, out) -> None:
    """Merge the folders of `grade --shard K/N` (all N of them) into one gradebook."""
    from autograder.course import shard

    raise SystemExit(shard.merge(folders=list(folders), out=out))


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--test", "tests", multiple=True, help="Check only this test (repeatable).")
def check(path, tests) -> None:
    """Self-check a notebook or .py file on the public cases."""
    from autograder import selfcheck

    raise SystemExit(selfcheck.main(path=path, tests=list(tests) or None))


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Folder for the cards.")
def cards(out) -> None:
    """Draw the flash cards into assets/flashcards/ (instructor side)."""
    from autograder import cards as flashcards

    raise SystemExit(flashcards.main(out=out))


@main.command()
@click.option("--check", "check_only", is_flag=True, help="Fail if anything is out of date.")
def sync(check_only) -> None:
    """Regenerate what is derived from the reference solutions (instructor side): the solution
    notebook's answer cells and the public expectations."""
    from autograder.course import authoring

    raise SystemExit(authoring.main(check=check_only))


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("dist"), show_default=True)
def bundle(out) -> None:
    """Build the student bundle and the Gradescope autograder zip (instructor side)."""
    from autograder.course import release

    raise SystemExit(release.main(out=out))
