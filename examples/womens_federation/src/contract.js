// What docs/contracts says, as code: exchanges, queues, headers, trusted senders, versions, and the JSON Schemas.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const DOCUMENTS_EXCHANGE = 'wuyuan.documents';
const inboxQueue = (service) => `wuyuan.${service}.inbox`;
const deadLetterExchange = (service) => `wuyuan.dead.${service}`;
// A document to the centre goes to the coordinator's inbox by `<service>.<Type>`.
const coordinatorRoutingKey = (type) => `coordinator.${type}`;

const DEAD_REASON_HEADER = 'x-wuyuan-dead-reason';
const DEAD_QUEUE_HEADER = 'x-wuyuan-dead-queue';
const DEAD_AT_HEADER = 'x-wuyuan-dead-at';
const ORIGINAL_USER_HEADER = 'x-wuyuan-original-user-id';
const MAX_DEAD_REASON = 1000;
// Headers RabbitMQ or the dead-lettering service writes: never copied from a message we refuse.
const WRITTEN_ON_DEAD_LETTER = new Set(['x-death', DEAD_REASON_HEADER, DEAD_QUEUE_HEADER, DEAD_AT_HEADER, ORIGINAL_USER_HEADER]);

// The documents this agency takes, the newest version of each this code was written for, and whose
// broker user may send it (the AMQP user_id, which RabbitMQ checks). MessageRejected counts only
// from the centre service it names in `refused_by`.
const RECEIVES = {
  ReferralIssued: { version: 3, from: 'coordinator' },
  ReferralDeadlineChanged: { version: 2, from: 'coordinator' },
  ReferralWithdrawn: { version: 1, from: 'coordinator' },
  ReminderIssued: { version: 2, from: 'supervision' },
  OverdueNoticeIssued: { version: 2, from: 'supervision' },
  NoticeCirculated: { version: 1, from: 'supervision' },
  MessageRejected: { version: 1, from: 'refused_by' },
};
const CENTRE_SERVICES = new Set(['coordinator', 'intake', 'supervision']);

// The reports this agency sends, at the version this code writes.
const SENDS = {
  ReferralAccepted: 1,
  ReferralDeclined: 2,
  ProgressReported: 1,
  ResultReported: 2,
};

// ResultReported: each result code implies its outcome; two of them carry the signed agreement
// (docs/contracts/README.md, "A unit's result").
const RESOLVED_RESULTS = new Set(['mediated', 'judicially_confirmed', 'withdrawn', 'handled']);
const AGREEMENT_RESULTS = new Set(['mediated', 'judicially_confirmed']);
const outcomeOf = (result) => (RESOLVED_RESULTS.has(result) ? 'resolved' : 'unresolved');
// A body from before result codes names only the outcome.
const LEGACY_RESULTS = { resolved: 'handled', unresolved: 'mediation_failed' };

// The contract's pattern for text that must not be blank: a character other than the whitespace a
// receiver strips (docs/contracts/README.md, "What the schemas say").
const NOT_BLANK_PATTERN = '[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

class Contract {
  /** Compiles the schemas of every type received and sent; fails when the contract is older than this code. */
  constructor(contractsDir) {
    this.dir = contractsDir;
    this.ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(this.ajv);
    this.validators = {};
    this.schemas = {};
    for (const [type, version] of [
      ...Object.entries(RECEIVES).map(([t, r]) => [t, r.version]),
      ...Object.entries(SENDS),
    ]) {
      const file = path.join(contractsDir, 'schemas', `${type}.json`);
      let schema;
      try {
        schema = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (error) {
        throw new Error(`cannot read the contract's schema ${file}: ${error.message} (set WUYUAN_CONTRACTS_DIR)`);
      }
      const newest = schema.properties?.schema_version?.maximum;
      if (typeof newest !== 'number' || newest < version) {
        throw new Error(`${file} knows ${type} up to version ${newest}, this agency was written for version ${version}`);
      }
      this.schemas[type] = schema;
      this.validators[type] = this.ajv.compile(schema);
    }
  }

  /** The result codes the contract lists (ResultReported's ResultCode). */
  get resultCodes() {
    return this.schemas.ResultReported.$defs.ResultCode.enum;
  }

  /** Field errors of a body against its type's schema, each naming the field ([] when it is valid). */
  check(type, body) {
    const validate = this.validators[type];
    if (validate(body)) return [];
    return validate.errors.map((e) => {
      const path = e.instancePath.split('/').slice(1);
      if (e.keyword === 'required') path.push(e.params.missingProperty); // name the missing field itself
      const blank = e.keyword === 'pattern' && e.params.pattern === NOT_BLANK_PATTERN;
      return { field: path.join('.') || '(body)', message: blank ? 'must not be blank' : e.message, type: e.keyword };
    });
  }
}

/** The refusal of a message we receive: schema errors, and a version newer than this code reads. */
function receivedErrors(contract, type, body) {
  const errors = contract.check(type, body);
  if (errors.length === 0 && body.schema_version > RECEIVES[type].version) {
    errors.push({ field: 'schema_version', message: `version ${body.schema_version} is newer than ${RECEIVES[type].version}`, type: 'maximum' });
  }
  return errors;
}

/** The broker user a message of this type must come from, or null when nobody may send it to us. */
function trustedSender(vhost, type, body) {
  const rule = RECEIVES[type];
  if (!rule) return null;
  if (rule.from === 'refused_by') {
    return CENTRE_SERVICES.has(body.refused_by) ? `${vhost}.${body.refused_by}` : null;
  }
  return `${vhost}.${rule.from}`;
}

/** Which attempt this delivery is: RabbitMQ counts our rejections in x-death (the inbox's `rejected` entry). */
function attemptOf(headers, queue) {
  const deaths = Array.isArray(headers?.['x-death']) ? headers['x-death'] : [];
  for (const death of deaths) {
    if (death && death.queue === queue && death.reason === 'rejected') {
      const count = Number(death.count);
      return Number.isFinite(count) ? count + 1 : Infinity; // a forged count: give up now
    }
  }
  return 1;
}

// 18-digit resident IDs and 11-digit mobiles standing alone; UUIDs and trace ids (hex) stay intact.
const PII = /(?<![0-9A-Za-z])(\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z])/g;
const redact = (text) => String(text).replace(PII, '[redacted]');

/** The headers of a dead letter: the original ones less those only RabbitMQ or we may write, plus why. */
function deadLetterHeaders(originalHeaders, originalUserId, queue, reason) {
  const headers = {};
  for (const [key, value] of Object.entries(originalHeaders || {})) {
    if (!WRITTEN_ON_DEAD_LETTER.has(key)) headers[key] = value;
  }
  headers[DEAD_REASON_HEADER] = redact(reason).slice(0, MAX_DEAD_REASON);
  headers[DEAD_QUEUE_HEADER] = queue;
  headers[DEAD_AT_HEADER] = new Date().toISOString();
  if (originalUserId) headers[ORIGINAL_USER_HEADER] = originalUserId;
  return headers;
}

module.exports = {
  Contract,
  DOCUMENTS_EXCHANGE,
  inboxQueue,
  deadLetterExchange,
  coordinatorRoutingKey,
  RECEIVES,
  SENDS,
  AGREEMENT_RESULTS,
  LEGACY_RESULTS,
  outcomeOf,
  receivedErrors,
  trustedSender,
  attemptOf,
  redact,
  deadLetterHeaders,
};
