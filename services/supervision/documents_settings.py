"""Supervision's document settings: the county's 文号 prefix, the 通报 schedule and the PDFs' font, read and checked
at start."""

import logging
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from nameko.containers import WorkerContext
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.supervision.documents import check_prefix, default_prefix
from services.supervision.documents_font import PdfFont, pdf_font
from shared.config import current_settings
from shared.dependency import Injects
from shared.registry import AgencyRegistry, load_registry
from shared.wording import Places, load_places, unit_name

log = logging.getLogger(__name__)


class NoticeSchedule(StrEnum):
    MONTHLY = "monthly"  # on the first working day of each month, for the month before
    OFF = "off"  # on demand only (POST /api/v1/notices)


class DocumentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WUYUAN_", extra="ignore")

    document_prefix: str | None = Field(
        None, description="the 文号 prefix, the centre's short name (临澧综治); by default the county's name + 综治"
    )
    notice_schedule: NoticeSchedule = Field(NoticeSchedule.MONTHLY, description="when the 通报 is issued by itself")
    document_font: str | None = Field(
        None,
        description="a TrueType font (.ttf, or .ttc with #n for its n-th font) embedded in the documents' PDFs;"
        " by default the PDFs name Adobe's STSong-Light and the reader supplies it",
    )

    @field_validator("document_prefix")
    @classmethod
    def _a_prefix(cls, prefix: str | None) -> str | None:
        return None if prefix is None else check_prefix(prefix)

    @field_validator("document_font")
    @classmethod
    def _a_font(cls, font: str | None) -> str | None:
        pdf_font(font)  # loaded now: a font the PDFs cannot embed stops the service at start, named
        return font


@dataclass(frozen=True)
class Documents:
    """What issuing a document needs beyond the platform: its prefix, the schedule, and units' Chinese names."""

    prefix: str
    schedule: NoticeSchedule
    registry: AgencyRegistry
    places: Places
    font: PdfFont

    def name(self, unit: str) -> str:
        return unit_name(unit, self.registry, self.places)

    @classmethod
    def for_county(
        cls, county: str, registry: AgencyRegistry, places: Places, settings: DocumentSettings
    ) -> "Documents":
        prefix = settings.document_prefix or default_prefix(places.name(county))
        return cls(prefix, settings.notice_schedule, registry, places, pdf_font(settings.document_font))


@cache
def _documents() -> Documents:
    service = current_settings()
    documents = Documents.for_county(
        service.county, load_registry(service.config_dir), load_places(service.config_dir), DocumentSettings()
    )
    if documents.font.covered is None:  # once: the documents are read once per process
        log.warning(
            "no Chinese font embedded in the documents' PDFs: they name STSong-Light, which a reader without Chinese"
            " fonts cannot draw",
            extra={"action": "set WUYUAN_DOCUMENT_FONT to a TrueType font (.ttf, .ttc#n); `make run` installs one"},
        )
    return documents


class DocumentsProvider(Injects[Documents]):
    """`self.documents`, read at start so that a malformed prefix, schedule or font stops the service at once."""

    def setup(self) -> None:
        _documents()

    def get_dependency(self, worker_ctx: WorkerContext) -> Documents:
        return _documents()
