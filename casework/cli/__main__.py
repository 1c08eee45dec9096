"""``python -m casework.cli`` runs the command line (the same as the ``casework`` script)."""

import sys

from casework.cli import main

sys.exit(main())
