"""``python -m ridgekit.nn.experiments NAME --out DIR``."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
