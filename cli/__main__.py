"""`python -m cli`: the `integritas` command."""

import sys

from cli.main import main

sys.exit(main())
