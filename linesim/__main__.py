"""python -m linesim: the same as the linesim command."""

from .cli import main

main()
