"""``python -m nplib`` is the ``nplib`` command."""

import sys

from nplib.cli import main

sys.exit(main())
