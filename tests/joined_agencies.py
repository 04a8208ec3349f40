"""An agency joined from configuration alone, as tests add it: the women's federation (妇联) in a copy of config/."""

import shutil
from pathlib import Path

from shared.registry import DEFAULT_CONFIG_DIR

WOMEN = """
[agencies.women]
name_zh = "妇联"
name_en = "Women's federation"
service = "women_link"
unit_digits = 6
unit_name = "{place}妇联"
"""
# The Node.js agency of examples/, run by the platform locally and from its image in a deployment
# (examples/womens_federation/README.md gives this entry).
IN_ITS_IMAGE = """
[agencies.women.external]
command = ["node", "agency.js"]
directory = "examples/womens_federation"
image = "wuyuan/womens-federation:0.1.0"
"""
NODE_EXAMPLE = WOMEN + IN_ITS_IMAGE


def config_with(directory: Path, *entries: str) -> Path:
    """A copy of the shipped configuration in `directory` with these entries added to the agency registry;
    the shipped registry stays as it is."""
    shutil.copytree(DEFAULT_CONFIG_DIR, directory, dirs_exist_ok=True)
    with (directory / "agencies.toml").open("a", encoding="utf-8") as registry:
        registry.write("".join(entries))
    return directory
