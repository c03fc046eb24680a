"""The `phonefarm` command line: one console script, one subcommand per job."""
