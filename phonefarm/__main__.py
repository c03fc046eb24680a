"""`python -m phonefarm` runs the console script."""

from phonefarm.cli import main

main()
