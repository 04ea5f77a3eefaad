"""The ``ridgekit`` command (typer + rich), one module per group of commands.

* :mod:`ridgekit.cli._common` -- consoles, one-line errors, interrupts, progress, tables,
  number formatting, output checks, ``--alphas`` parsing;
* :mod:`ridgekit.cli._pipeline` -- the fit pipeline (read, folds, moments, standardize,
  model family, selection);
* :mod:`ridgekit.cli._fit` -- ``fit``; :mod:`ridgekit.cli._inspect` -- ``predict``,
  ``path``, ``report``; :mod:`ridgekit.cli._misc` -- ``demo``, ``experiment``.

Every expected failure is one line ``error: ...`` on stderr with exit status 2; Ctrl-C
exits 130 and leaves no output file; output files are written atomically.
"""

from __future__ import annotations

import sys

try:  # an interrupt while the command starts up exits 130 too, not by the signal
    # first: Ctrl-C from here on is latched (ridgekit.io._interrupt imports nothing heavy)
    from ridgekit.io import _interrupt

    _interrupt.install()

    import typer

    from ridgekit.cli import _common
    from ridgekit.cli._fit import fit
    from ridgekit.cli._inspect import path, predict, report
    from ridgekit.cli._misc import demo, experiment
except KeyboardInterrupt:  # pragma: no cover - timing dependent
    sys.stderr.write("interrupted\n")
    sys.exit(130)

app = typer.Typer(help="ridgekit: L2 regularization done completely and fast.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None)


def _version_callback(value: bool) -> None:
    if value:
        from ridgekit import __version__

        typer.echo(f"ridgekit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="No progress bars, tables or notes (warnings and errors "
                                    "are still shown)."),
    progress: bool = typer.Option(None, "--progress/--no-progress",
                                  help="Force progress bars on or off (default: on when "
                                       "stderr is a terminal)."),
    version: bool = typer.Option(False, "--version", callback=_version_callback,
                                 is_eager=True, help="Print the version and exit."),
) -> None:
    _common.STATE["quiet"] = quiet
    _common.STATE["progress"] = progress


for _command in (demo, fit, predict, path, report, experiment):
    app.command()(_command)


@app.command()
def version() -> None:
    """Print the version."""
    from ridgekit import __version__

    typer.echo(__version__)


_GLOBAL = ("-q", "--quiet", "--progress", "--no-progress")


def _global_options_first(args: list[str]) -> list[str]:
    """``ridgekit fit -q ...`` as ``ridgekit -q fit ...``: the global flags (they take no
    value) are accepted after the subcommand too, up to a ``--``."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in _GLOBAL]
    return flags + [a for a in args[:end] if a not in _GLOBAL] + args[end:]


def _show_usage_error(self, file=None) -> None:
    sys.stderr.write(_common.usage_line(self) + "\n")


def main() -> None:  # pragma: no cover - console entry point
    from typer._click import exceptions as click_exceptions  # typer's copy of click

    # one line ``error: ...`` (exit 2) instead of click's usage block
    click_exceptions.UsageError.show = _show_usage_error
    sys.argv[1:] = _global_options_first(sys.argv[1:])
    code = 0
    try:
        app()
    except KeyboardInterrupt:
        code = 130
    except SystemExit as done:  # click ends every command with sys.exit
        code = done.code
    finally:
        # from here on Ctrl-C is only latched: an interrupt that lands while the command
        # unwinds must not kill the interpreter by the signal (exit status -2)
        _interrupt.latch_only()
    if _interrupt.interrupted() and code != 2:
        _common.say_interrupted()
        code = 130
    sys.exit(code)


__all__ = ["app", "main"]
