"""`python -m distillgen`."""

from .cli import main

main()
