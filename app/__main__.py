"""``python -m app`` runs the ``minutes`` command line."""

from app.cli import main

main()
