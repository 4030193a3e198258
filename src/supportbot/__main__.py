import sys

from supportbot.cli import main

sys.exit(main())
