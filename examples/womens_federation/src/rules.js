// Pure rules: a referral's life in the agency, who may act on it, and the W3C trace context. No I/O here.
'use strict';

const crypto = require('node:crypto');

// received → accepted → reported; declined from received or accepted; withdrawn by the centre while open.
const STATUSES = ['received', 'accepted', 'declined', 'reported', 'withdrawn'];
const OPEN = new Set(['received', 'accepted']);

class Refusal extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

// Each officer's action: the status it needs, the status it leaves, and the report it sends.
const ACTIONS = {
  accept: { from: ['received'], to: 'accepted', report: 'ReferralAccepted', refusal: 'not_received' },
  decline: { from: ['received', 'accepted'], to: 'declined', report: 'ReferralDeclined', refusal: 'already_finished' },
  progress: { from: ['accepted'], to: 'accepted', report: 'ProgressReported', refusal: 'not_accepted' },
  result: { from: ['accepted'], to: 'reported', report: 'ResultReported', refusal: 'not_accepted' },
};

// The reports that finish a referral, and the status each leaves it in.
const FINISHING_REPORTS = { ResultReported: 'reported', ReferralDeclined: 'declined' };

/**
 * The status a finished referral returns to when the centre refused the very report that finished it
 * (`MessageRejected`), so that an officer can report again; null when it stays as it is. The centre's
 * answer is what counts: until it took the report, the unit's part is not done. Whatever the reason: when the
 * centre has closed the unit's part (`referral_closed`), its ReferralWithdrawn then withdraws the referral, as
 * the Python agency base does (shared/agency/README.md). It goes back exactly as it was before the report, as the
 * centre still sees it: this agency never pauses a referral's clock, so the status is all a report changed besides
 * its result. An agency that pauses keeps the pause beside `finished_from` and brings it back too, because the
 * centre still holds that clock paused (shared/agency/domain.py `refused`).
 */
function reopenedBy(referral, notice) {
  if (!referral || FINISHING_REPORTS[notice.rejected_type] !== referral.status) return null;
  const refused = String(notice.rejected_message_id ?? '').toLowerCase();
  if (refused === '' || refused !== String(referral.report_message_id ?? '').toLowerCase()) return null;
  return referral.finished_from ?? 'accepted';
}

/**
 * The status an action leaves the referral in; a Refusal (HTTP 409) when the referral's status forbids it. A
 * referral declined, reported or taken back answers `already_finished` whatever the action, as the Python base does.
 */
function transition(action, referral) {
  const rule = ACTIONS[action];
  if (!OPEN.has(referral.status)) {
    throw new Refusal('already_finished', `referral ${referral.referral_id} is ${referral.status}; nothing more can be done`);
  }
  if (!rule.from.includes(referral.status)) {
    throw new Refusal(rule.refusal, `referral ${referral.referral_id} is ${referral.status}; ${action} needs ${rule.from.join(' or ')}`);
  }
  return rule.to;
}

function splitUnit(unit) {
  const at = unit.indexOf(':');
  return at < 0 ? [unit, ''] : [unit.slice(0, at), unit.slice(at + 1)];
}

/** An officer acts for a unit when one of their units is the same agency's and its division contains the unit's. */
function actsFor(officerUnits, unit) {
  const [agency, division] = splitUnit(unit);
  return officerUnits.some((own) => {
    const [ownAgency, ownDivision] = splitUnit(own);
    return ownAgency === agency && ownDivision !== '' && division.startsWith(ownDivision);
  });
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** {traceId, spanId, flags} of a valid W3C traceparent, else null (all-zero ids are invalid). */
function parseTraceparent(value) {
  const match = typeof value === 'string' ? TRACEPARENT.exec(value) : null;
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return null;
  return { traceId: match[1], spanId: match[2], flags: match[3] };
}

const newSpanId = () => crypto.randomBytes(8).toString('hex');
const newTraceId = () => crypto.randomBytes(16).toString('hex');

/** A span continuing `parent` (a parsed traceparent), or the root of a new trace when there is none. */
function childSpan(parent) {
  return parent
    ? { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.spanId, flags: parent.flags }
    : { traceId: newTraceId(), spanId: newSpanId(), parentSpanId: null, flags: '01' };
}

const traceparentOf = (span) => `00-${span.traceId}-${span.spanId}-${span.flags}`;

module.exports = { STATUSES, OPEN, ACTIONS, Refusal, transition, reopenedBy, splitUnit, actsFor, parseTraceparent, childSpan, traceparentOf };
