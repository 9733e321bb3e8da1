"""Print the package index pip itself would use (honours pip.conf and PIP_INDEX_URL).

The bootstrap hands this to Poetry's mirror plugin, so no index URL is ever written
into a project file and a user's own pip configuration wins.
"""

from pip._internal.configuration import Configuration
from pip._internal.models.index import PyPI

config = Configuration(isolated=False)
config.load()
url = None
for key in (":env:.index-url", "install.index-url", "global.index-url"):
    try:
        url = str(config.get_value(key)).split()[0]
        break
    except Exception:
        continue
print(url or PyPI.simple_url)
