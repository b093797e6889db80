"""Where the rest of the repository is, seen from this package."""

import os

PACKAGE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(PACKAGE)
REPO = os.path.dirname(TOOLS)
INSTALLER = os.path.join(TOOLS, 'install-into-glance')
FAULTPROXY = os.path.join(TOOLS, 'faultproxy')
