"""`python -m forum` runs the forum command."""

import sys

from forum.cli import main

sys.exit(main())
