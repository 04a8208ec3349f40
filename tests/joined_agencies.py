"""An agency joined from configuration alone, as tests add it: the women's federation (妇联) in a copy of config/."""

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from shared.registry import DEFAULT_CONFIG_DIR
from wuyuan.agencies import is_external
from wuyuan.settings import PlatformSettings

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
# The agencies the platform ships with, first in config/agencies.toml; an integrator adds others after them
# (`wuyuan agency new`, examples/womens_federation/README.md).
SHIPPED_AGENCIES = ("centre", "court", "police", "justice", "petition", "plc")
# A table of the registry, [agencies.<code>] or [agencies.<code>.external], and the code it belongs to.
TABLE = re.compile(r"^\[agencies\.([a-z]+)[].]", re.MULTILINE)


def config_with(directory: Path, *entries: str) -> Path:
    """A copy of the configuration in `directory` with these entries in the agency registry, in place of any
    entry config/ already has for the same agency (an integrator may have registered it); config/ stays as it is."""
    added = "".join(entries)
    replaced = {match[1] for match in TABLE.finditer(added)}
    return _copy(directory, lambda code: code not in replaced, added)


def shipped_config_with(directory: Path, *entries: str) -> Path:
    """A copy of the configuration in `directory` whose registry holds the agencies the platform ships with and
    then these entries, whatever config/ has had added: ports and rendered files as the repository gives them.

    Only for what reads the registry alone: config/routing.toml may name an agency an integrator added."""
    return _copy(directory, lambda code: code in SHIPPED_AGENCIES, "".join(entries))


def _copy(directory: Path, keep: Callable[[str], bool], added: str) -> Path:
    """config/ copied into `directory`, its registry holding the agencies `keep` accepts and then `added`."""
    shutil.copytree(DEFAULT_CONFIG_DIR, directory, dirs_exist_ok=True)
    registry = directory / "agencies.toml"
    text = registry.read_text(encoding="utf-8")
    headers = list(TABLE.finditer(text))
    ends = [header.start() for header in headers[1:]] + [len(text)]
    kept = [text[header.start() : end] for header, end in zip(headers, ends, strict=True) if keep(header[1])]
    registry.write_text(text[: headers[0].start()] + "".join(kept) + added, encoding="utf-8")
    return directory


def platform_code_services(settings: PlatformSettings | None = None) -> tuple[str, ...]:
    """The services that run the platform's own code, and so have its tables, its metrics, its health paths and its
    endpoints: every one but an agency registered as external, which keeps its own (docs/integrating-an-agency.md)."""
    settings = settings or PlatformSettings()
    return tuple(service for service in settings.services if not is_external(settings, service))


def without_routes_to(directory: Path, code: str) -> Path:
    """The copy of the configuration in `directory` with `code` taken out of every list of config/routing.toml: an
    integrator may have routed a category to the agency (docs/integrating-an-agency.md, section 2), where a test
    needs it reached by hand alone. A rule the agency alone would fill stops the test, named."""
    routing = directory / "routing.toml"
    text = routing.read_text(encoding="utf-8")
    quoted = re.escape(f'"{code}"')
    text = re.sub(rf"{quoted}\s*,\s*|,\s*{quoted}", "", text)
    if f'"{code}"' in text:
        raise AssertionError(f"{routing}: a rule names {code} alone; the test cannot take it out")
    routing.write_text(text, encoding="utf-8")
    return directory
