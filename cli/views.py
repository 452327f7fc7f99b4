"""The view commands (status, oversight, views rebuild/catch-up/digest), registered here.

Their options and runners are projections.commands' for now; the CLI hands it the --ledger option
and the progress bar, so that nothing below the CLI imports it.
"""

from __future__ import annotations

from cli.options import Commands, add_ledger_option
from cli.output import progress_bar
from projections.commands import add_commands


def register(commands: Commands) -> None:
    add_commands(commands, add_ledger_option, progress_bar)
