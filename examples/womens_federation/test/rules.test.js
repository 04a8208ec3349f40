// The pure rules and the contract checks, without a broker or a database: `npm test`.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { transition, actsFor, parseTraceparent, childSpan, traceparentOf, Refusal } = require('../src/rules');
const { Contract, receivedErrors, trustedSender, attemptOf, deadLetterHeaders, redact } = require('../src/contract');
const { loadConfig, ConfigError } = require('../src/config');

const contractsDir = path.join(__dirname, '..', '..', '..', 'docs', 'contracts');
const contract = new Contract(contractsDir);
const example = (kind, type) => JSON.parse(fs.readFileSync(path.join(contractsDir, 'examples', kind, `${type}.json`), 'utf8'));

test('a referral is accepted once, and a finished one refuses every further action', () => {
  const referral = { referral_id: 'r1', status: 'received' };
  assert.equal(transition('accept', referral), 'accepted');
  assert.equal(transition('result', { ...referral, status: 'accepted' }), 'reported');
  assert.throws(() => transition('accept', { ...referral, status: 'accepted' }), Refusal);
  for (const action of ['accept', 'decline', 'progress', 'result']) {
    assert.throws(() => transition(action, { ...referral, status: 'reported' }), (e) => e instanceof Refusal);
  }
});

test('an officer acts for their own units and the units under them, of their own agency only', () => {
  assert.ok(actsFor(['women:430426'], 'women:430426'));
  assert.ok(actsFor(['women:430426'], 'women:430426101'));
  assert.ok(!actsFor(['women:430426101'], 'women:430426'));
  assert.ok(!actsFor(['court:430426'], 'women:430426'));
  assert.ok(!actsFor(['women:430427'], 'women:430426'));
});

test('a reply continues the referral trace under a new span', () => {
  const parent = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  const child = childSpan(parent);
  assert.equal(child.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(child.parentSpanId, '00f067aa0ba902b7');
  assert.notEqual(child.spanId, parent.spanId);
  assert.match(traceparentOf(child), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  assert.equal(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01'), null);
  assert.equal(childSpan(null).parentSpanId, null);
});

test('every valid example the agency takes is accepted, and each invalid one refused on its field', () => {
  for (const type of ['ReferralIssued', 'ReminderIssued', 'OverdueNoticeIssued', 'NoticeCirculated', 'ReferralDeadlineChanged', 'ReferralWithdrawn', 'MessageRejected']) {
    assert.deepEqual(receivedErrors(contract, type, example('valid', type)), [], type);
    for (const bad of example('invalid', type).examples) {
      const fields = receivedErrors(contract, type, bad.payload).map((e) => e.field.split('.')[0]);
      assert.ok(fields.includes(bad.field), `${type}/${bad.name}: refused on ${fields}, not ${bad.field}`);
    }
  }
});

test('referrals count only from the coordinator, letters only from supervision, refusals from the service named', () => {
  assert.equal(trustedSender('wuyuan', 'ReferralIssued', {}), 'wuyuan.coordinator');
  assert.equal(trustedSender('wuyuan', 'ReminderIssued', {}), 'wuyuan.supervision');
  assert.equal(trustedSender('wuyuan', 'MessageRejected', { refused_by: 'intake' }), 'wuyuan.intake');
  assert.equal(trustedSender('wuyuan', 'MessageRejected', { refused_by: 'court_link' }), null);
  assert.equal(trustedSender('wuyuan', 'CaseClosed', {}), null);
});

test('the attempt is counted from the inbox rejections in x-death', () => {
  const queue = 'wuyuan.women_link.inbox';
  assert.equal(attemptOf({}, queue), 1);
  assert.equal(attemptOf({ 'x-death': [{ queue: 'wuyuan.women_link.retry', reason: 'expired', count: 4 }, { queue, reason: 'rejected', count: 4 }] }, queue), 5);
  assert.equal(attemptOf({ 'x-death': [{ queue, reason: 'rejected', count: 'junk' }] }, queue), Infinity);
});

test('a dead letter keeps its headers but never x-death or forged reasons, and hides ID and mobile numbers', () => {
  const headers = deadLetterHeaders({ traceparent: 't', 'x-death': [], 'x-wuyuan-original-user-id': 'forged' }, 'wuyuan.coordinator', 'q', 'phone 13812345678');
  assert.equal(headers.traceparent, 't');
  assert.equal(headers['x-death'], undefined);
  assert.equal(headers['x-wuyuan-original-user-id'], 'wuyuan.coordinator');
  assert.equal(headers['x-wuyuan-dead-reason'], 'phone [redacted]');
  assert.equal(redact('430426199001011234'), '[redacted]');
});

// What the platform gives the agency, the list of withdrawn tokens aside.
const ENV_WITHOUT_WITHDRAWALS = {
  WUYUAN_SERVICE: 'women_link',
  WUYUAN_AMQP_URI: 'amqp://wuyuan.women_link:pw@127.0.0.1:5672/wuyuan',
  WUYUAN_AMQP_USER: 'wuyuan.women_link',
  WUYUAN_DATABASE_URL: 'postgresql://r:p@127.0.0.1/db',
  WUYUAN_HTTP_ADDRESS: '127.0.0.1:8711',
  WUYUAN_COUNTY: '430426',
  WUYUAN_AUTH_ISSUER: 'urn:wuyuan:wuyuan',
  WUYUAN_AUTH_AUDIENCE: 'urn:wuyuan:wuyuan',
  WUYUAN_AUTH_JWKS_URL: 'file:///tmp/jwks.json',
};

test('the agency refuses to start without its environment, naming the variable', () => {
  const env = {
    ...ENV_WITHOUT_WITHDRAWALS,
    WUYUAN_AUTH_REVOCATIONS_URL: 'http://127.0.0.1:8709/api/v1/token-revocations',
  };
  assert.equal(loadConfig(env).vhost, 'wuyuan');
  for (const name of Object.keys(env)) {
    const { [name]: _, ...missing } = env;
    assert.throws(() => loadConfig(missing), (e) => e instanceof ConfigError && e.message.startsWith(name));
  }
  assert.throws(() => loadConfig({ ...env, WUYUAN_HTTP_ADDRESS: '8711' }), /WUYUAN_HTTP_ADDRESS/);
  assert.throws(() => loadConfig({ ...env, WUYUAN_AMQP_USER: 'wuyuan.court_link' }), /WUYUAN_AMQP_USER/);
  assert.throws(() => loadConfig({ ...env, WUYUAN_MAX_ATTEMPTS: 'five' }), /WUYUAN_MAX_ATTEMPTS/);
});

test('a 通报 is kept with its number, for a restore of supervision to number after it', async () => {
  const { EFFECTS } = require('../src/inbox');
  const kept = [];
  const tx = { keepNotice: async (m, now) => kept.push([m.document_number, m.recipient, now]) };
  const notice = example('valid', 'NoticeCirculated');
  await EFFECTS.NoticeCirculated(tx, notice, null, 'now');
  assert.deepEqual(kept, [[notice.document_number, notice.recipient, 'now']]);
});

test('without the list of withdrawn tokens it starts only in development mode, or when told there is none', () => {
  const env = { ...ENV_WITHOUT_WITHDRAWALS };
  // Forgotten, withdrawn tokens would be honoured without a word: it does not start.
  assert.throws(() => loadConfig(env), (e) => e instanceof ConfigError && e.message.startsWith('WUYUAN_AUTH_REVOCATIONS_URL'));
  assert.throws(() => loadConfig({ ...env, WUYUAN_DEV_MODE: 'false' }), /WUYUAN_AUTH_REVOCATIONS_URL/);
  assert.throws(() => loadConfig({ ...env, WUYUAN_AUTH_REVOCATIONS_URL: 'ftp://x/list' }), /WUYUAN_AUTH_REVOCATIONS_URL/);
  assert.equal(loadConfig({ ...env, WUYUAN_DEV_MODE: 'true' }).revocationsUrl, null);
  // Empty: the deployment's own OpenID Connect provider withdraws its own tokens.
  assert.equal(loadConfig({ ...env, WUYUAN_AUTH_REVOCATIONS_URL: '' }).revocationsUrl, null);
  const listed = loadConfig({ ...env, WUYUAN_AUTH_REVOCATIONS_URL: 'http://127.0.0.1:8709/api/v1/token-revocations' });
  assert.equal(listed.revocationsUrl.toString(), 'http://127.0.0.1:8709/api/v1/token-revocations');
});
