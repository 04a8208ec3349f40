"""The petition bureau's store in memory: the agency base's fake, plus the petition register."""

from dataclasses import replace
from datetime import date, datetime

from services.petition_link.domain.decisions import open_term
from services.petition_link.domain.model import FINISHED, Petition, PetitionOrder, PetitionStatus
from services.petition_link.domain.persons import Mention
from shared.delivery.statements import Row
from shared.persistence.errors import NotFound, StoreError
from tests.fakes.agency import FakeAgencyStore, case_referral_row


class FakePetitionStore(FakeAgencyStore):
    """Fits `services.petition_link.store.PetitionStore`, as the tables behave (see tests/stores)."""

    def __init__(self) -> None:
        super().__init__()
        self.petitions: dict[str, Petition] = {}
        self.updated: dict[str, datetime] = {}

    def add_petition(self, petition: Petition) -> bool:
        if petition.number in self.petitions:
            return False
        if petition.repeat_of is not None and petition.repeat_of not in self.petitions:
            raise StoreError(f"insert violates foreign key constraint: no petition {petition.repeat_of}")
        self.petitions[petition.number] = petition
        self.updated[petition.number] = petition.registered_at
        return True

    def find_petition(self, number: str) -> Petition | None:
        return self.petitions.get(number)

    def lock_petition(self, number: str) -> Petition:
        petition = self.petitions.get(number)
        if petition is None:
            raise NotFound(f"no petition {number}")
        return petition

    def save_petition(self, petition: Petition, at: datetime) -> None:
        kept = self.petitions.get(petition.number)
        if kept is None:
            return  # an UPDATE of no row
        # Only what the UPDATE sets; what was registered stays as it was.
        self.petitions[petition.number] = replace(
            kept,
            status=petition.status,
            decision=petition.decision,
            extension=petition.extension,
            reply=petition.reply,
            fed_message_id=petition.fed_message_id,
            review=petition.review,
            re_review=petition.re_review,
        )
        self.updated[petition.number] = at

    def petitions_received(self, first: date, last: date, units: frozenset[str]) -> list[Petition]:
        return sorted(
            (
                p
                for p in self.petitions.values()
                if first <= p.received_on <= last and any(p.unit.startswith(own) for own in units)
            ),
            key=lambda p: (p.received_on, p.number),
        )

    def list_petitions(
        self,
        units: frozenset[str],
        today: date,
        *,
        status: PetitionStatus | None,
        overdue: bool | None,
        order: PetitionOrder,
        limit: int,
        offset: int,
    ) -> tuple[list[Petition], int]:
        def due_on(petition: Petition) -> date | None:
            term = open_term(petition)
            return term.due_on if term else None

        def late(petition: Petition) -> bool:
            due = due_on(petition)
            return due is not None and due < today

        matching = [
            p
            for p in self.petitions.values()
            if any(p.unit.startswith(own) for own in units)
            and (status is None or p.status is status)
            and (overdue is None or late(p) is overdue)
        ]
        ordered = sorted(matching, key=lambda p: p.number)
        ordered.sort(key=lambda p: p.received_on, reverse=True)
        if order is PetitionOrder.DUE:
            ordered.sort(key=lambda p: (due_on(p) is None, due_on(p) or date.min))
        return ordered[offset : offset + limit], len(matching)

    def mentions(self, keys: frozenset[str], since: date, before: Petition) -> list[Mention]:
        found = [
            Mention(p.number, p.matter, p.received_on, frozenset(k for person in p.petitioners for k in person.keys))
            for p in self.petitions.values()
            if since <= p.received_on
            and (p.received_on, p.registered_at) < (before.received_on, before.registered_at)
            and p.number != before.number
            and any(person.keys & keys for person in p.petitioners)
        ]
        return sorted(found, key=lambda m: (m.received_on, m.number))

    def case_referrals(self, number: str) -> list[Row]:
        rows = sorted(
            (
                r
                for r in self.referrals.values()
                if (r.get("source_record_id") == number and (r["source"] == "petition" or r["role"] == "co_unit"))
                or self.of_joined_case(r, [number])
            ),
            key=lambda r: (r["received_at"], str(r["referral_id"])),
        )
        return [case_referral_row(r) for r in rows]

    def petitions_on_matters(self, matters: frozenset[str]) -> list[Petition]:
        return sorted(
            (p for p in self.petitions.values() if p.matter in matters), key=lambda p: (p.received_on, p.number)
        )

    def purge_petitioner_phones(self, finished_before: datetime, *, dry_run: bool = False) -> list[str]:
        due = sorted(
            (
                p
                for p in self.petitions.values()
                if p.status in FINISHED
                and self.updated[p.number] < finished_before
                and (any(person.phone for person in p.petitioners) or any(side.phone for side in p.respondents))
            ),
            key=lambda p: (self.updated[p.number], p.number),
        )
        if not dry_run:
            for p in due:
                self.petitions[p.number] = replace(
                    p,
                    petitioners=tuple(replace(person, phone=None) for person in p.petitioners),
                    respondents=tuple(replace(side, phone=None) for side in p.respondents),
                )
        return [p.number for p in due]

    # --- for tests -----------------------------------------------------------------------

    def status_of_petition(self, number: str) -> PetitionStatus:
        return self.petitions[number].status
