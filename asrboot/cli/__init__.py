"""The ``asrboot`` command line: ``asrboot <group> <command> [options]``."""

from __future__ import annotations

import logging

import click

from asrboot import __version__
from asrboot.cli.am import am
from asrboot.cli.bootstrap import bootstrap
from asrboot.cli.compare import compare_lms_command
from asrboot.cli.decode import decode as decode_command
from asrboot.cli.graph import graph, lang
from asrboot.cli.lm import lm
from asrboot.cli.mt import mt, select
from asrboot.cli.nlu import nlu
from asrboot.cli.score import score_command
from asrboot.cli.speech import data, synth
from asrboot.cli.text import text
from asrboot.io import InputError


class _Group(click.Group):
    """Reports bad input (file and line) as a one-line error instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (InputError, FileNotFoundError) as e:
            raise click.ClickException(str(e)) from e


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="asrboot")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True, help="Verbosity of log messages (on stderr).")
def cli(log_level: str) -> None:
    """asrboot: Hindi ASR with n-gram LMs bootstrapped by machine translation."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


cli.add_command(text)
cli.add_command(lm)
cli.add_command(lang)
cli.add_command(graph)
cli.add_command(decode_command)
cli.add_command(compare_lms_command)
cli.add_command(nlu)
cli.add_command(select)
cli.add_command(mt)
cli.add_command(bootstrap)
cli.add_command(am)
cli.add_command(score_command)
cli.add_command(synth)
cli.add_command(data)


def main() -> None:
    cli(prog_name="asrboot")
