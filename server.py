"""Entry point of the product: builds Settings from the environment and runs the system.

Equivalent to ``ivr serve``.
"""

import sys

from ivr.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
