"""``python -m newsbot.cli``."""

import sys

from newsbot.cli import main

sys.exit(main())
