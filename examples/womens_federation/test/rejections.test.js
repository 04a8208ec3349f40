// What the contract's schemas refuse before a report leaves, and what a refusal from the centre does to the
// referral it was about: without a broker or a database (an in-memory store stands in), `npm test`.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { reopenedBy, transition } = require('../src/rules');
const { Contract, SENDS } = require('../src/contract');
const { EFFECTS } = require('../src/inbox');
const { makeOfficers, HttpError } = require('../src/officers');

const contractsDir = path.join(__dirname, '..', '..', '..', 'docs', 'contracts');
const contract = new Contract(contractsDir);
const example = (kind, type) => JSON.parse(fs.readFileSync(path.join(contractsDir, 'examples', kind, `${type}.json`), 'utf8'));
const fieldsOf = (errors) => errors.map((e) => e.field.split('.')[0]);

const REFERRAL_ID = '7b9ff206-11e0-5d12-9862-ad3c62a129b0';
const UNIT = 'women:430426';
const officer = { subject: 'he.li', roles: ['officer'], units: [UNIT] };
const config = { agency: 'women', county: '430426', centreUnit: 'centre:430426', service: 'women_link' };

/** The agency's tables in memory, with the statements the officers' actions and the inbox use. */
function memoryStore() {
  const referrals = new Map();
  const log = [];
  const outbox = [];
  const rejections = [];
  const tx = {
    async lockReferral(id) {
      return referrals.has(id) ? { ...referrals.get(id) } : null;
    },
    async setStatus(id, status, now, result = {}, finish = null) {
      const r = referrals.get(id);
      Object.assign(r, { status, result: result.result ?? r.result, outcome: result.outcome ?? r.outcome, agreement: result.agreement ?? r.agreement });
      if (finish) Object.assign(r, { report_message_id: finish.messageId, finished_from: finish.from, refusal: null });
    },
    async reopen(id, status, refusal) {
      Object.assign(referrals.get(id), { status, refusal, result: null, outcome: null, agreement: null, report_message_id: null, finished_from: null });
    },
    async log(id, kind, by, detail) {
      log.push({ referral_id: id, kind, detail });
    },
    async queue(message) {
      outbox.push(message);
    },
    async addRejection(m) {
      rejections.push(m);
    },
  };
  let transactions = 0;
  return {
    referrals, log, outbox, rejections,
    get transactions() {
      return transactions;
    },
    async transaction(fn) {
      transactions += 1;
      return fn(tx);
    },
    tx,
  };
}

function officersOn(store) {
  return makeOfficers({ config, contract, store, relay: { nudge() {} }, tracer: { record() {} } });
}

function acceptedReferral(store) {
  store.referrals.set(REFERRAL_ID, {
    referral_id: REFERRAL_ID, case_id: '430426-20260302-00017', unit: UNIT, sender: 'centre:430426', status: 'accepted',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: null, baggage: null,
  });
}

/** The centre's notice that it refused one of our messages, as the coordinator sends it. */
function refusalOf(messageId, type, reason = 'schema') {
  return {
    ...example('valid', 'MessageRejected'),
    message_id: '3f1e1c34-5bd8-5b8c-9d43-2d6a1f0e9a11',
    recipient: UNIT,
    referral_id: REFERRAL_ID,
    rejected_message_id: messageId,
    rejected_type: type,
    reason,
    detail: `${reason}: refused`,
  };
}

test('every valid example the agency sends passes its schema, and each invalid one is refused on its field', () => {
  for (const type of Object.keys(SENDS)) {
    assert.deepEqual(contract.check(type, example('valid', type)), [], type);
    for (const bad of example('invalid', type).examples) {
      const fields = fieldsOf(contract.check(type, bad.payload));
      assert.ok(fields.includes(bad.field), `${type}/${bad.name}: refused on ${fields}, not ${bad.field}`);
    }
  }
});

test('the schemas refuse a result the centre would refuse: no result, a wrong agreement, a contradicting outcome, blank text', () => {
  const valid = example('valid', 'ResultReported'); // mediated, with its agreement
  const { agreement, ...withoutAgreement } = valid;
  const { result, ...withoutResult } = withoutAgreement;
  const refusals = [
    [withoutResult, 'result'],
    [{ ...withoutAgreement, result: 'handled', outcome: 'unresolved' }, 'result'],
    [{ ...valid, outcome: 'unresolved' }, 'result'],
    [{ ...valid, result: 'handled' }, 'agreement'],
    [withoutAgreement, 'agreement'],
    [{ ...valid, summary: ' \u3000\n' }, 'summary'],
    [{ ...valid, agreement: { ...agreement, terms: '\u00a0' } }, 'agreement'],
  ];
  for (const [body, field] of refusals) {
    const errors = contract.check('ResultReported', body);
    assert.ok(fieldsOf(errors).includes(field), `${JSON.stringify(body)}: refused on ${fieldsOf(errors)}, not ${field}`);
  }
  assert.deepEqual(contract.check('ResultReported', { ...withoutResult, outcome: 'resolved' }), []); // before result codes
  assert.equal(contract.check('ResultReported', { ...valid, summary: ' 已调解 ' }).length, 0); // stripped, not blank
  assert.equal(contract.check('ResultReported', { ...valid, summary: '  ' })[0].message, 'must not be blank');
});

test('the schemas refuse a pause for another reason without a note', () => {
  const validate = contract.ajv.compile(JSON.parse(fs.readFileSync(path.join(contractsDir, 'schemas', 'ClockPaused.json'), 'utf8')));
  const pause = example('valid', 'ClockPaused');
  assert.ok(validate(pause));
  assert.ok(!validate({ ...pause, reason: 'other' }));
  assert.ok(validate({ ...pause, reason: 'other', note: '等待鉴定机构排期' }));
  assert.ok(!validate({ ...pause, reason: 'other', note: '   ' }));
});

test('an officer\'s blank or inconsistent result is a 400 naming the field, and nothing is saved or sent', async () => {
  const store = memoryStore();
  acceptedReferral(store);
  const officers = officersOn(store);
  for (const [body, field] of [
    [{ result: 'handled', summary: '   ' }, 'summary'],
    [{ result: 'mediated', summary: '已调解' }, 'agreement'],
    [{ result: 'handled', summary: '已办结', agreement: { signed_on: '2026-03-05', terms: '双方和解' } }, 'agreement'],
    [{ result: 'mediated', summary: '已调解', agreement: { signed_on: '2026-03-05', terms: ' ' } }, 'agreement'],
  ]) {
    await assert.rejects(officers.act('result', REFERRAL_ID, body, officer), (e) =>
      e instanceof HttpError && e.status === 400 && e.fields.some((f) => f.field.split('.')[0] === field));
  }
  assert.equal(store.transactions, 0);
  assert.equal(store.referrals.get(REFERRAL_ID).status, 'accepted');
});

test('a result the centre refuses returns the referral to accepted, with the refusal shown, so it can be reported again', async () => {
  const store = memoryStore();
  acceptedReferral(store);
  const officers = officersOn(store);
  const first = await officers.act('result', REFERRAL_ID, { result: 'handled', summary: '已依职能办结' }, officer);
  assert.equal(first.status, 'reported');
  await assert.rejects(officers.act('result', REFERRAL_ID, { result: 'handled', summary: '再报' }, officer), (e) => e.code === 'already_finished');

  const notice = refusalOf(first.message_id, 'ResultReported');
  await EFFECTS.MessageRejected(store.tx, notice, {}, new Date());

  const referral = store.referrals.get(REFERRAL_ID);
  assert.equal(referral.status, 'accepted');
  assert.equal(referral.result, null);
  assert.equal(referral.refusal.reason, 'schema');
  assert.equal(referral.refusal.rejected_message_id, first.message_id);
  assert.deepEqual(store.log.map((line) => line.kind), ['result', 'rejected']);
  assert.deepEqual(store.log[1].detail.reopened, { status: 'accepted', was: 'reported' });
  const again = await officers.act('result', REFERRAL_ID, { result: 'handled', summary: '补正后再报' }, officer);
  assert.equal(again.status, 'reported');
  assert.notEqual(again.message_id, first.message_id); // a new report, not a re-send of the refused one
  assert.equal(store.referrals.get(REFERRAL_ID).refusal, null);
  assert.equal(store.outbox.length, 2);
});

test('a refused result or decline leaves the referral exactly as it was before the report, but for the refusal', async () => {
  // Nothing of the refused report stays, and nothing the referral had before it is lost (a null is no value).
  const kept = (referral) => Object.fromEntries(Object.entries(referral).filter(([key, value]) => key !== 'refusal' && value != null));
  for (const [action, body, type] of [
    ['result', { result: 'mediated', summary: '已调解', agreement: { signed_on: '2026-03-05', terms: '双方和解' } }, 'ResultReported'],
    ['decline', { reason: '不属于妇联职责' }, 'ReferralDeclined'],
  ]) {
    const store = memoryStore();
    acceptedReferral(store);
    const before = kept(store.referrals.get(REFERRAL_ID));
    const sent = await officersOn(store).act(action, REFERRAL_ID, body, officer);

    await EFFECTS.MessageRejected(store.tx, refusalOf(sent.message_id, type), {}, new Date());

    assert.deepEqual(kept(store.referrals.get(REFERRAL_ID)), before, action);
    assert.equal(store.referrals.get(REFERRAL_ID).refusal.rejected_type, type);
  }
});

test('a refusal of another message leaves a finished referral as it is', async () => {
  const store = memoryStore();
  acceptedReferral(store);
  const officers = officersOn(store);
  await officers.act('result', REFERRAL_ID, { result: 'handled', summary: '已依职能办结' }, officer);

  await EFFECTS.MessageRejected(store.tx, refusalOf('0d3c1d7e-8a37-4a4c-9b1f-0f6bb0c1a001', 'ProgressReported'), {}, new Date());

  assert.equal(store.referrals.get(REFERRAL_ID).status, 'reported');
  assert.deepEqual(store.log.map((line) => line.kind), ['result', 'rejected']);
  assert.ok(store.log.every((line) => line.detail.reopened === undefined));
  assert.equal(store.rejections.length, 1); // kept for the officers all the same
});

test('a result refused because the centre closed the part reopens it, for the withdrawal that follows', async () => {
  const store = memoryStore();
  acceptedReferral(store);
  const officers = officersOn(store);
  const sent = await officers.act('result', REFERRAL_ID, { result: 'handled', summary: '已依职能办结' }, officer);

  await EFFECTS.MessageRejected(store.tx, refusalOf(sent.message_id, 'ResultReported', 'referral_closed'), {}, new Date());

  assert.equal(store.referrals.get(REFERRAL_ID).status, 'accepted');
});

test('a refused decline returns the referral to the status it was declined from', () => {
  const declined = { status: 'declined', report_message_id: 'A1B2C3D4-0000-4000-8000-000000000001', finished_from: 'received' };
  const notice = { rejected_type: 'ReferralDeclined', rejected_message_id: 'a1b2c3d4-0000-4000-8000-000000000001', reason: 'wrong_status' };
  assert.equal(reopenedBy(declined, notice), 'received');
  assert.equal(transition('accept', { referral_id: 'r', status: reopenedBy(declined, notice) }), 'accepted');
  assert.equal(reopenedBy({ ...declined, status: 'accepted' }, notice), null); // already open
  assert.equal(reopenedBy(declined, { ...notice, rejected_message_id: null }), null);
  assert.equal(reopenedBy(null, notice), null);
});
