# nameko: the process-wide configuration dict, `nameko.config`.
from collections import UserDict
from collections.abc import Mapping
from typing import Any

class Config(UserDict[str, Any]):
    def setup(self, config: Mapping[str, Any]) -> None: ...

config: Config
