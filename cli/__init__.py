"""The `integritas` command, the composition root at the top: one module per command family, each
registering its subcommands with `cli.main`. Nothing below (ledger, projections, api, demo) imports it."""
