"""The petition bureau's store: the agency base's referrals and records, and the petition register."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from services.petition_link.domain.decisions import open_term
from services.petition_link.domain.model import (
    FINISHED,
    Decision,
    Extension,
    OtherSide,
    Petition,
    Petitioner,
    PetitionForm,
    PetitionOrder,
    PetitionStatus,
    Reply,
    Review,
    ReviewOpinion,
    ReviewResult,
    ReviewStage,
)
from services.petition_link.domain.persons import Mention
from shared.agency.store import CASE_REFERRAL_COLUMNS, AgencyStore, PostgresAgencyStore, of_joined_case
from shared.contracts.dates import STORED_ROW
from shared.contracts.disputes import Agreement
from shared.contracts.vocabulary import Category, PartyKind, ResultCode
from shared.delivery.statements import Row
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb

# Each review's columns, after its stage: review_body … re_review_given_on (migrations/p0003_reviews.sql).
_REVIEW_FIELDS = ("body", "answer_received_on", "requested_on", "result", "summary", "given_on")
_COLUMNS = (
    "number, unit, received_on, form, group_size, category, division_code, summary, litigation_reason, repeat_of,"
    " matter, respondents, fingerprint, status, accepted, decision_reason, decided_on, extension_days,"
    " extension_reason, extended_on, result, reply_summary, agreement, replied_on, fed_message_id, registered_by,"
    " registered_at, " + ", ".join(f"{stage}_{field}" for stage in ReviewStage for field in _REVIEW_FIELDS)
)
_FINISHED = sorted(status.value for status in FINISHED)
# The petitions of the units given and those under them, of a status if one is given, and overdue or not if asked:
# overdue is an open term (due_on, kept from the domain on every save) whose last day is before today.
_LISTED = (
    "EXISTS (SELECT 1 FROM unnest(%s::text[]) AS own(unit) WHERE starts_with(petitions.unit, own.unit))"
    " AND (%s::text IS NULL OR status = %s) AND (%s::boolean IS NULL OR coalesce(due_on < %s, false) = %s)"
)
# Numbers compared by code point, as Python compares them (and the fake), whatever the database's collation.
_ORDERS = {
    PetitionOrder.DUE: 'due_on ASC NULLS LAST, received_on DESC, number COLLATE "C"',
    PetitionOrder.RECEIVED: 'received_on DESC, number COLLATE "C"',
}


class PetitionStore(AgencyStore, Protocol):
    def add_petition(self, petition: Petition) -> bool:
        """Keep a new petition with its petitioners; False (and nothing changed) when its number is known."""
        ...

    def find_petition(self, number: str) -> Petition | None: ...

    def lock_petition(self, number: str) -> Petition:
        """The petition, locked for this transaction; NotFound if there is none."""
        ...

    def save_petition(self, petition: Petition, at: datetime) -> None:
        """Keep the petition's status, decision, extension, reply and the message that fed it to the centre."""
        ...

    def petitions_received(self, first: date, last: date, units: frozenset[str]) -> list[Petition]:
        """Petitions received from `first` to `last` (both included) by `units` or the units under them, by
        day received, then number."""
        ...

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
        """The petitions of `units` or the units under them, of `status` when given, only the overdue (or only the
        others) on `today` when `overdue` is given, in `order`: `limit` of them from `offset`, and how many match
        in all. Ties fall to the number."""
        ...

    def mentions(self, keys: frozenset[str], since: date, before: Petition) -> list[Mention]:
        """Petitions received from `since` and before `before` (an earlier day, or the same day registered
        earlier) with a petitioner under any of `keys`, by day received, then number."""
        ...

    def case_referrals(self, number: str) -> list[Row]:
        """The referrals the bureau received for the case the petition became (the centre passes the record id
        on as `source_record_id`), or as co-unit of the case intake linked it to as a repeat (the centre names the
        petition on that referral), and every referral any of the bureau's units holds of the case intake said the
        petition joined (`record_link`: a case the bureau already led or co-handled, for which no referral names
        the petition), each once, the first received first: how an officer finds the case. A case of another
        source whose record bears the same number, which the bureau leads, is not the petition's."""
        ...

    def petitions_on_matters(self, matters: frozenset[str]) -> list[Petition]:
        """The petitions of the matters given (repeat chains, by their first petition's number), by day received,
        then number: to tell whether a repeat came after its matter was final."""
        ...

    def purge_petitioner_phones(self, finished_before: datetime, *, dry_run: bool = False) -> list[str]:
        """Drop the mobile numbers of petitioners and respondents of petitions finished (not accepted,
        separated or replied to) before `finished_before`; the petitions' numbers."""
        ...


class PostgresPetitionStore(PostgresAgencyStore):
    def add_petition(self, petition: Petition) -> bool:
        added = self.sql.one(
            "INSERT INTO petitions (number, unit, received_on, form, group_size, category, division_code, summary,"
            " litigation_reason, repeat_of, matter, respondents, fingerprint, status, registered_by, registered_at,"
            " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (number) DO NOTHING RETURNING number",
            (
                petition.number,
                petition.unit,
                petition.received_on,
                petition.form.value,
                petition.group_size,
                petition.category.value,
                petition.division_code,
                petition.summary,
                petition.litigation_reason,
                petition.repeat_of,
                petition.matter,
                jsonb([_other_side_json(side) for side in petition.respondents]),
                petition.fingerprint,
                PetitionStatus.REGISTERED.value,
                petition.registered_by,
                petition.registered_at,
                petition.registered_at,
            ),
        )
        if added is None:
            return False
        for position, person in enumerate(petition.petitioners):
            self.sql.write(
                "INSERT INTO petitioners (petition_number, position, name, phone, id_key, contact_key)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (petition.number, position, person.name, person.phone, person.id_key, person.contact_key),
            )
        # A petition is born registered or, when litigation-related, already separated and answered.
        self.save_petition(petition, petition.registered_at)
        return True

    def find_petition(self, number: str) -> Petition | None:
        found = self._read(f"SELECT {_COLUMNS} FROM petitions WHERE number = %s", (number,))
        return found[0] if found else None

    def lock_petition(self, number: str) -> Petition:
        found = self._read(f"SELECT {_COLUMNS} FROM petitions WHERE number = %s FOR UPDATE", (number,))
        if not found:
            raise NotFound(f"no petition {number}")
        return found[0]

    def save_petition(self, petition: Petition, at: datetime) -> None:
        decision, extension, reply = petition.decision, petition.extension, petition.reply
        term = open_term(petition)
        reviews = ", ".join(f"{stage}_{field} = %s" for stage in ReviewStage for field in _REVIEW_FIELDS)
        self.sql.write(
            "UPDATE petitions SET status = %s, due_on = %s, accepted = %s, decision_reason = %s, decided_on = %s,"
            " extension_days = %s, extension_reason = %s, extended_on = %s, result = %s, reply_summary = %s,"
            f" agreement = %s, replied_on = %s, fed_message_id = %s, {reviews}, updated_at = %s WHERE number = %s",
            (
                petition.status.value,
                term.due_on if term else None,
                decision.accepted if decision else None,
                decision.reason if decision else None,
                decision.decided_on if decision else None,
                extension.days if extension else None,
                extension.reason if extension else None,
                extension.granted_on if extension else None,
                reply.result.value if reply else None,
                reply.summary if reply else None,
                jsonb(reply.agreement.model_dump(mode="json")) if reply and reply.agreement else None,
                reply.replied_on if reply else None,
                petition.fed_message_id,
                *_review_values(petition.review),
                *_review_values(petition.re_review),
                at,
                petition.number,
            ),
        )

    def petitions_received(self, first: date, last: date, units: frozenset[str]) -> list[Petition]:
        own = "EXISTS (SELECT 1 FROM unnest(%s::text[]) AS own(unit) WHERE starts_with(petitions.unit, own.unit))"
        return self._read(
            f"SELECT {_COLUMNS} FROM petitions WHERE received_on BETWEEN %s AND %s AND {own}"
            " ORDER BY received_on, number",
            (first, last, sorted(units)),
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
        code = status.value if status else None
        params = (sorted(units), code, code, overdue, today, overdue)
        counted = self.sql.one(f"SELECT count(*) AS total FROM petitions WHERE {_LISTED}", params)
        listed = self._read(
            f"SELECT {_COLUMNS} FROM petitions WHERE {_LISTED} ORDER BY {_ORDERS[order]} LIMIT %s OFFSET %s",
            (*params, limit, offset),
        )
        return listed, int(counted["total"]) if counted else 0

    def mentions(self, keys: frozenset[str], since: date, before: Petition) -> list[Mention]:
        if not keys:
            return []
        rows = self.sql.all(
            "SELECT p.number, p.matter, p.received_on,"
            " array_remove(array_agg(k.id_key) || array_agg(k.contact_key), NULL) AS keys"
            " FROM petitions p JOIN petitioners k ON k.petition_number = p.number"
            " WHERE p.received_on >= %s AND (p.received_on, p.registered_at) < (%s, %s) AND p.number <> %s"
            " AND p.number IN (SELECT petition_number FROM petitioners WHERE id_key = ANY(%s) OR contact_key = ANY(%s))"
            " GROUP BY p.number ORDER BY p.received_on, p.number",
            (since, before.received_on, before.registered_at, before.number, sorted(keys), sorted(keys)),
        )
        return [Mention(r["number"], r["matter"], r["received_on"], frozenset(r["keys"])) for r in rows]

    def case_referrals(self, number: str) -> list[Row]:
        return self.sql.all(
            f"SELECT {CASE_REFERRAL_COLUMNS} FROM referrals WHERE (source_record_id = %s"
            " AND (source = 'petition' OR role = 'co_unit'))"
            f" OR {of_joined_case()}"
            " ORDER BY received_at, referral_id",
            (number, number),
        )

    def petitions_on_matters(self, matters: frozenset[str]) -> list[Petition]:
        if not matters:
            return []
        return self._read(
            f"SELECT {_COLUMNS} FROM petitions WHERE matter = ANY(%s) ORDER BY received_on, number",
            (sorted(matters),),
        )

    def purge_petitioner_phones(self, finished_before: datetime, *, dry_run: bool = False) -> list[str]:
        due = self.sql.all(
            "SELECT number FROM petitions p WHERE status = ANY(%s) AND updated_at < %s AND ("
            " EXISTS (SELECT 1 FROM petitioners k WHERE k.petition_number = p.number AND k.phone IS NOT NULL)"
            " OR jsonb_path_exists(respondents, '$[*] ? (@.phone != null)'))"
            " ORDER BY updated_at, number FOR UPDATE",
            (_FINISHED, finished_before),
        )
        numbers = [str(row["number"]) for row in due]
        if numbers and not dry_run:
            self.sql.write("UPDATE petitioners SET phone = NULL WHERE petition_number = ANY(%s)", (numbers,))
            self.sql.write(
                "UPDATE petitions SET respondents = (SELECT coalesce(jsonb_agg(r || '{\"phone\": null}'::jsonb"
                " ORDER BY n), '[]'::jsonb) FROM jsonb_array_elements(respondents) WITH ORDINALITY AS t(r, n))"
                " WHERE number = ANY(%s)",
                (numbers,),
            )
        return numbers

    def _read(self, sql: str, params: Sequence[Any]) -> list[Petition]:
        rows = self.sql.all(sql, params)
        if not rows:
            return []
        people = self.sql.all(
            "SELECT petition_number, name, phone, id_key, contact_key FROM petitioners"
            " WHERE petition_number = ANY(%s) ORDER BY petition_number, position",
            ([row["number"] for row in rows],),
        )
        named: dict[str, list[Petitioner]] = {}
        for person in people:
            named.setdefault(person["petition_number"], []).append(
                Petitioner(person["name"], person["phone"], person["id_key"], person["contact_key"])
            )
        return [petition_of(row, named.get(row["number"], [])) for row in rows]


def petition_of(row: Row, petitioners: Sequence[Petitioner]) -> Petition:
    """A petition from its row (as the `petitions` table has it) and its petitioners in order."""
    decision = (
        Decision(row["accepted"], row["decision_reason"], row["decided_on"]) if row["decided_on"] is not None else None
    )
    extension = (
        Extension(row["extension_days"], row["extension_reason"], row["extended_on"])
        if row["extension_days"] is not None
        else None
    )
    reply = (
        Reply(
            ResultCode(row["result"]),
            row["reply_summary"],
            row["replied_on"],
            Agreement.model_validate(row["agreement"], context=STORED_ROW) if row["agreement"] else None,
        )
        if row["result"] is not None
        else None
    )
    return Petition(
        number=row["number"],
        unit=row["unit"],
        received_on=row["received_on"],
        form=PetitionForm(row["form"]),
        petitioners=tuple(petitioners),
        group_size=row["group_size"],
        category=Category(row["category"]),
        division_code=row["division_code"],
        summary=row["summary"],
        litigation_reason=row["litigation_reason"],
        repeat_of=row["repeat_of"],
        matter=row["matter"],
        respondents=tuple(
            OtherSide(PartyKind(side["kind"]), side["name"], side.get("phone")) for side in row["respondents"]
        ),
        fingerprint=row["fingerprint"],
        registered_by=row["registered_by"],
        registered_at=row["registered_at"],
        status=PetitionStatus(row["status"]),
        decision=decision,
        extension=extension,
        reply=reply,
        fed_message_id=row["fed_message_id"],
        review=_review_of(row, ReviewStage.REVIEW),
        re_review=_review_of(row, ReviewStage.RE_REVIEW),
    )


def _review_values(review: Review | None) -> tuple[Any, ...]:
    """A review as its six columns, in the order of _REVIEW_FIELDS."""
    if review is None:
        return (None,) * len(_REVIEW_FIELDS)
    opinion = review.opinion
    return (
        review.body,
        review.answer_received_on,
        review.requested_on,
        opinion.result.value if opinion else None,
        opinion.summary if opinion else None,
        opinion.given_on if opinion else None,
    )


def _review_of(row: Row, stage: ReviewStage) -> Review | None:
    if row[f"{stage}_requested_on"] is None:
        return None
    opinion = (
        ReviewOpinion(ReviewResult(row[f"{stage}_result"]), row[f"{stage}_summary"], row[f"{stage}_given_on"])
        if row[f"{stage}_result"] is not None
        else None
    )
    return Review(row[f"{stage}_body"], row[f"{stage}_answer_received_on"], row[f"{stage}_requested_on"], opinion)


def _other_side_json(side: OtherSide) -> dict[str, Any]:
    return {"kind": side.kind.value, "name": side.name, "phone": side.phone}
