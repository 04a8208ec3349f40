// The officers' side: read their units' referrals, and act on one; each action saves the change and
// queues its report to the centre in one transaction (the outbox), sent by the relay.
'use strict';

const crypto = require('node:crypto');
const { SENDS, AGREEMENT_RESULTS, LEGACY_RESULTS, outcomeOf, coordinatorRoutingKey } = require('./contract');
const { ACTIONS, STATUSES, transition, actsFor, splitUnit, parseTraceparent, childSpan, traceparentOf } = require('./rules');

class HttpError extends Error {
  constructor(status, error, message, fields) {
    super(message);
    this.status = status;
    this.error = error;
    this.fields = fields;
  }
}
const badInput = (fields) => new HttpError(400, 'invalid_input', 'invalid input', fields);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The body each action takes; anything else in it is refused, naming the field (an officer's name is
// the signed-in account's, never a field of the request).
const BODY_FIELDS = {
  accept: [],
  decline: ['reason', 'reason_code'],
  progress: ['note'],
  result: ['result', 'outcome', 'agreement', 'summary'],
};
const FINISHES = new Set(['decline', 'result']);
// The log line each action writes.
const LOG_KIND = { accept: 'accepted', decline: 'declined', progress: 'progress', result: 'result' };

/** The report's own fields from an officer's body; a 400 naming the field when the body cannot make one. */
function reportFields(action, body) {
  const extra = Object.keys(body).filter((key) => !BODY_FIELDS[action].includes(key));
  if (extra.length > 0) throw badInput(extra.map((field) => ({ field, message: 'Extra inputs are not permitted', type: 'extra_forbidden' })));
  if (action === 'decline') return { reason: body.reason, reason_code: body.reason_code ?? 'not_competent' };
  if (action === 'progress') return { note: body.note };
  if (action === 'result') return resultFields(body);
  return {};
}

/** ResultReported's result, outcome and agreement: the outcome follows from the result, and only a mediated
 * or judicially confirmed result carries the agreement (a body with only an outcome reads as before result codes). */
function resultFields(body) {
  let result = body.result;
  if (result === undefined || result === null) {
    if (!(body.outcome in LEGACY_RESULTS)) {
      throw badInput([{ field: body.outcome === undefined ? 'result' : 'outcome', message: 'Field required', type: 'missing' }]);
    }
    result = LEGACY_RESULTS[body.outcome];
  }
  const fields = { result, outcome: typeof result === 'string' ? outcomeOf(result) : null, agreement: body.agreement ?? null, summary: body.summary };
  if (body.outcome != null && body.outcome !== fields.outcome) {
    throw badInput([{ field: 'result', message: `a ${result} result is ${fields.outcome}, not ${body.outcome}`, type: 'value_error' }]);
  }
  if (AGREEMENT_RESULTS.has(result) && fields.agreement === null) {
    throw badInput([{ field: 'agreement', message: `a ${result} result carries the signed agreement`, type: 'missing' }]);
  }
  if (!AGREEMENT_RESULTS.has(result) && fields.agreement !== null) {
    throw badInput([{ field: 'agreement', message: 'only a mediated or judicially confirmed result carries an agreement', type: 'value_error' }]);
  }
  return fields;
}

function makeOfficers({ config, contract, store, relay, tracer }) {
  /** The report of `action` on `referral`, as the contract has it: from the referral's unit to its sender. */
  function buildReport(action, referral, fields, officer, now) {
    const type = ACTIONS[action].report;
    return {
      message_id: crypto.randomUUID(),
      type,
      schema_version: SENDS[type],
      case_id: referral.case_id,
      sender: referral.unit,
      recipient: referral.sender,
      occurred_at: now.toISOString(),
      referral_id: referral.referral_id,
      officer,
      ...fields,
    };
  }

  /** The body checked against the report's schema before anything is looked up, so a bad body is a 400. */
  function checkBody(action, body, officer) {
    const fields = reportFields(action, body);
    const sample = { referral_id: crypto.randomUUID(), case_id: '430426-20260101-00001', unit: `${config.agency}:${config.county}`, sender: config.centreUnit };
    const errors = contract.check(ACTIONS[action].report, buildReport(action, sample, fields, officer, new Date()));
    if (errors.length > 0) throw badInput(errors);
    return fields;
  }

  /** The caller's units of this agency; 403 when the caller is not one of its officers. */
  function officerUnits(caller) {
    const units = caller.units.filter((unit) => splitUnit(unit)[0] === config.agency);
    if (!caller.roles.includes('officer') || units.length === 0) {
      throw new HttpError(403, 'forbidden', `${caller.subject} is not an officer of ${config.agency}`);
    }
    return units;
  }

  async function act(action, referralId, body, caller) {
    officerUnits(caller);
    const fields = checkBody(action, body, caller.subject);
    if (!UUID.test(referralId)) throw new HttpError(404, 'not_found', `no referral ${referralId}`);
    const span = await store.transaction(async (tx) => {
      const referral = await tx.lockReferral(referralId);
      if (!referral) throw new HttpError(404, 'not_found', `no referral ${referralId}`);
      // Another unit's referral is answered as one that does not exist: an id never tells whether another unit holds it.
      if (!actsFor(caller.units, referral.unit)) throw new HttpError(404, 'not_found', `no referral ${referralId}`);
      const status = transition(action, referral);
      const now = new Date();
      // The reply continues the referral's trace: a new span whose parent is our span of its receipt.
      const child = childSpan(parseTraceparent(referral.traceparent));
      const report = buildReport(action, referral, fields, caller.subject, now);
      const headers = { traceparent: traceparentOf(child) };
      if (referral.tracestate) headers.tracestate = referral.tracestate;
      if (referral.baggage) headers.baggage = referral.baggage;
      // A result or a decline finishes the referral: keep which report did, and from what, should the centre refuse it.
      const finish = FINISHES.has(action) ? { messageId: report.message_id, from: referral.status } : null;
      await tx.setStatus(referralId, status, now, action === 'result' ? fields : {}, finish);
      await tx.log(referralId, LOG_KIND[action], caller.subject, body, now);
      await tx.queue({ messageId: report.message_id, type: report.type, routingKey: coordinatorRoutingKey(report.type), body: JSON.stringify(report), headers });
      return { ...child, caseId: referral.case_id, messageId: report.message_id, status, startedAt: now.getTime() };
    });
    relay.nudge(); // committed: send it now rather than at the next poll
    tracer.record(span, `${config.service}: referral ${LOG_KIND[action]}`, 'producer', span.caseId, span.startedAt, {
      'messaging.message.id': span.messageId,
      'wuyuan.referral_id': referralId,
    });
    return { referral_id: referralId, status: span.status, message_id: span.messageId };
  }

  async function show(referralId, caller) {
    officerUnits(caller);
    const referral = UUID.test(referralId) ? await store.getReferral(referralId) : null;
    if (!referral) throw new HttpError(404, 'not_found', `no referral ${referralId}`);
    if (!actsFor(caller.units, referral.unit)) throw new HttpError(404, 'not_found', `no referral ${referralId}`);
    return referral;
  }

  async function list(query, caller) {
    const units = officerUnits(caller);
    const unknown = [...query.keys()].filter((key) => key !== 'status' && key !== 'limit');
    if (unknown.length > 0) throw badInput(unknown.map((field) => ({ field, message: 'Extra inputs are not permitted', type: 'extra_forbidden' })));
    const status = query.get('status') || null;
    if (status !== null && !STATUSES.includes(status)) {
      throw badInput([{ field: 'status', message: `one of ${STATUSES.join(', ')}`, type: 'enum' }]);
    }
    const limit = limitOf(query);
    return { referrals: await store.listReferrals(units, status, limit) };
  }

  async function rejections(query, caller) {
    const units = officerUnits(caller);
    return { rejections: await store.listRejections(units, limitOf(query)) };
  }

  return { act, show, list, rejections };
}

function limitOf(query) {
  const raw = query.get('limit');
  if (raw === null || raw === '') return 100;
  if (!/^[0-9]+$/.test(raw) || Number(raw) > 500) throw badInput([{ field: 'limit', message: 'a whole number from 0 to 500', type: 'int_parsing' }]);
  return Number(raw);
}

module.exports = { makeOfficers, HttpError, badInput };
