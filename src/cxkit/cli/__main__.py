"""``python -m cxkit.cli`` runs the ``cxkit`` command."""

from cxkit.cli.main import main

main()
