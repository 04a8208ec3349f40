// The agency's own database: its tables, and every statement it runs, with bound parameters only.
'use strict';

const { Pool } = require('pg');

// The agency's schema. The platform makes the database and its role (owner of `public`) but runs no
// migrations for an agency in another language: the agency creates its tables itself, at start.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox (
  message_id  uuid PRIMARY KEY,          -- every message handled, claimed in the transaction of its effect
  type        text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS referrals (
  referral_id       uuid PRIMARY KEY,
  case_id           text NOT NULL,
  unit              text NOT NULL,        -- the unit it was issued to: the sender of every report on it
  sender            text NOT NULL,        -- who issued it: the recipient of every report on it
  role              text NOT NULL,
  round             integer NOT NULL,
  source            text NOT NULL,
  category          text NOT NULL,
  division_code     text NOT NULL,
  summary           text NOT NULL,
  flags             jsonb NOT NULL,
  parties           jsonb NOT NULL,
  due_at            timestamptz NOT NULL,
  due_provisional   boolean NOT NULL DEFAULT false,
  deadline_revision integer NOT NULL DEFAULT 0,
  source_record_id  text,
  status            text NOT NULL,
  result            text,
  outcome           text,
  agreement         jsonb,
  report_message_id uuid,                 -- the result or decline that finished it, as sent to the centre
  finished_from     text,                 -- its status before that report, to return to if the centre refuses it
  refusal           jsonb,                -- the centre's refusal of that report, shown until the officer reports again
  traceparent       text NOT NULL,        -- our span of its receipt: replies continue the case's trace from here
  tracestate        text,
  baggage           text,
  received_at       timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
-- A database made by an earlier version of this agency has the table without these.
ALTER TABLE referrals ADD COLUMN IF NOT EXISTS report_message_id uuid;
ALTER TABLE referrals ADD COLUMN IF NOT EXISTS finished_from text;
ALTER TABLE referrals ADD COLUMN IF NOT EXISTS refusal jsonb;
CREATE INDEX IF NOT EXISTS referrals_by_unit ON referrals (unit, status, received_at);
CREATE TABLE IF NOT EXISTS referral_log (
  id          bigserial PRIMARY KEY,
  referral_id uuid NOT NULL,
  kind        text NOT NULL,
  officer     text,
  detail      jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS referral_log_by_referral ON referral_log (referral_id, id);
-- Each 通报 naming one of the agency's units, with its 文号: supervision numbers its next 通报 past these after its
-- own database is restored to an earlier point, where the operator's tool can read them.
CREATE TABLE IF NOT EXISTS notices (
  document_id     uuid NOT NULL,
  unit            text NOT NULL,
  document_number text NOT NULL,
  period_from     date NOT NULL,
  period_to       date NOT NULL,
  received_at     timestamptz NOT NULL,
  PRIMARY KEY (document_id, unit)
);
CREATE TABLE IF NOT EXISTS rejections (
  notice_id           uuid PRIMARY KEY,
  unit                text NOT NULL,
  rejected_message_id uuid,
  rejected_type       text,
  reason              text NOT NULL,
  detail              text NOT NULL,
  case_id             text,
  referral_id         uuid,
  refused_by          text NOT NULL,
  received_at         timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS outbox (
  message_id  uuid PRIMARY KEY,           -- kept for every re-send: the receiver de-duplicates on it
  type        text NOT NULL,
  routing_key text NOT NULL,
  body        text NOT NULL,              -- the exact bytes sent, the same on every attempt
  headers     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz,                -- set only once the broker confirmed it
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text
);
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
`;
// Two instances starting together would race on CREATE TABLE IF NOT EXISTS; one lock serialises them.
const SCHEMA_LOCK = 0x776f6d656e; // "women"

const REFERRAL_COLUMNS = `referral_id, case_id, unit, sender, role, round, source, category, division_code, summary,
  flags, parties, due_at, due_provisional, source_record_id, status, result, outcome, agreement, report_message_id,
  refusal, received_at, updated_at`;

// A LIKE pattern matching a unit and the units under it; `_` (in agency codes) must not act as a wildcard.
const prefixPattern = (unit) => `${unit.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The statements of one open transaction. */
class Tx {
  constructor(client) {
    this.client = client;
  }

  /** Records the message id; false when it was handled before (the caller then rolls back and skips it). */
  async claim(messageId, type) {
    const { rowCount } = await this.client.query(
      'INSERT INTO inbox (message_id, type) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING',
      [messageId, type],
    );
    return rowCount === 1;
  }

  async addReferral(m, trace, now) {
    const { rowCount } = await this.client.query(
      `INSERT INTO referrals (referral_id, case_id, unit, sender, role, round, source, category, division_code, summary,
         flags, parties, due_at, due_provisional, source_record_id, status, traceparent, tracestate, baggage,
         received_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'received', $16, $17, $18, $19, $19)
       ON CONFLICT (referral_id) DO NOTHING`,
      [m.referral_id, m.case_id, m.recipient, m.sender, m.role, m.round, m.source, m.category, m.division_code,
        m.summary, JSON.stringify(m.flags), JSON.stringify(m.parties), m.due_at, m.due_provisional ?? false,
        m.source_record_id ?? null, trace.traceparent, trace.tracestate, trace.baggage, now],
    );
    return rowCount === 1;
  }

  /** The referral, locked for this transaction's change; null when unknown. */
  async lockReferral(referralId) {
    const { rows } = await this.client.query(
      `SELECT ${REFERRAL_COLUMNS}, finished_from, traceparent, tracestate, baggage FROM referrals
       WHERE referral_id = $1 FOR UPDATE`,
      [referralId],
    );
    return rows[0] ?? null;
  }

  /** `finish` ({messageId, from}) when the report finishes the referral: a result or a decline. */
  async setStatus(referralId, status, now, result = {}, finish = null) {
    await this.client.query(
      `UPDATE referrals SET status = $2, updated_at = $3,
         result = COALESCE($4, result), outcome = COALESCE($5, outcome), agreement = COALESCE($6, agreement),
         report_message_id = COALESCE($7, report_message_id), finished_from = COALESCE($8, finished_from),
         refusal = CASE WHEN $7::uuid IS NULL THEN refusal END
       WHERE referral_id = $1`,
      [referralId, status, now, result.result ?? null, result.outcome ?? null,
        result.agreement ? JSON.stringify(result.agreement) : null, finish?.messageId ?? null, finish?.from ?? null],
    );
  }

  /** The centre refused the report that finished the referral: back to `status`, the refusal kept to show. */
  async reopen(referralId, status, refusal, now) {
    await this.client.query(
      `UPDATE referrals SET status = $2, refusal = $3, updated_at = $4, result = NULL, outcome = NULL, agreement = NULL,
         report_message_id = NULL, finished_from = NULL
       WHERE referral_id = $1`,
      [referralId, status, JSON.stringify(refusal), now],
    );
  }

  /** Applies a deadline only over an older revision: a change that arrives late changes nothing. */
  async moveDeadline(referralId, dueAt, revision, provisional, now) {
    const { rowCount } = await this.client.query(
      `UPDATE referrals SET due_at = $2, deadline_revision = $3, due_provisional = $4, updated_at = $5
       WHERE referral_id = $1 AND deadline_revision < $3`,
      [referralId, dueAt, revision, provisional, now],
    );
    return rowCount === 1;
  }

  async log(referralId, kind, officer, detail, now) {
    await this.client.query(
      'INSERT INTO referral_log (referral_id, kind, officer, detail, at) VALUES ($1, $2, $3, $4, $5)',
      [referralId, kind, officer, JSON.stringify(detail), now],
    );
  }

  async keepNotice(m, now) {
    await this.client.query(
      'INSERT INTO notices (document_id, unit, document_number, period_from, period_to, received_at)'
        + ' VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (document_id, unit) DO NOTHING',
      [m.document_id, m.recipient, m.document_number, m.period_from, m.period_to, now],
    );
  }

  async addRejection(m, now) {
    await this.client.query(
      `INSERT INTO rejections (notice_id, unit, rejected_message_id, rejected_type, reason, detail, case_id,
         referral_id, refused_by, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (notice_id) DO NOTHING`,
      [m.message_id, m.recipient, m.rejected_message_id, m.rejected_type ?? null, m.reason, m.detail, m.case_id,
        m.referral_id ?? null, m.refused_by, now],
    );
  }

  /** Queues a message for the relay; it goes out only if this transaction commits. */
  async queue(message) {
    await this.client.query(
      'INSERT INTO outbox (message_id, type, routing_key, body, headers) VALUES ($1, $2, $3, $4, $5)',
      [message.messageId, message.type, message.routingKey, message.body, JSON.stringify(message.headers)],
    );
  }
}

class Store {
  constructor(databaseUrl) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5000 });
    // An idle client losing its server (a database restart) must not crash the process.
    this.pool.on('error', (error) => console.error(JSON.stringify({ level: 'warning', event: 'database client lost', error: error.message })));
  }

  async init() {
    await this.transaction(async (tx) => {
      await tx.client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await tx.client.query(SCHEMA);
    });
  }

  /** Runs fn(tx) in one transaction: committed when it returns, rolled back when it throws. */
  async transaction(fn) {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(new Tx(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection itself is gone: do not hand it out again
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async ping() {
    await this.pool.query('SELECT 1');
  }

  async getReferral(referralId) {
    const { rows } = await this.pool.query(`SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE referral_id = $1`, [referralId]);
    if (rows.length === 0) return null;
    const log = await this.pool.query(
      'SELECT kind, officer, detail, at FROM referral_log WHERE referral_id = $1 ORDER BY id',
      [referralId],
    );
    return { ...rows[0], log: log.rows };
  }

  /** Referrals to the given units and the units under them (division codes nest by prefix), newest first. */
  async listReferrals(units, status, limit) {
    const patterns = units.map(prefixPattern);
    const { rows } = await this.pool.query(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals
       WHERE unit LIKE ANY($1) AND ($2::text IS NULL OR status = $2)
       ORDER BY received_at DESC, referral_id LIMIT $3`,
      [patterns, status, limit],
    );
    return rows;
  }

  async listRejections(units, limit) {
    const { rows } = await this.pool.query(
      `SELECT notice_id, unit, rejected_message_id, rejected_type, reason, detail, case_id, referral_id, refused_by,
         received_at FROM rejections WHERE unit LIKE ANY($1) ORDER BY received_at DESC LIMIT $2`,
      [units.map(prefixPattern), limit],
    );
    return rows;
  }

  /**
   * Hands the oldest unsent messages to `publish` (which resolves once the broker confirmed each, or rejects),
   * and marks sent exactly those it confirmed. Rows stay locked meanwhile, so a second instance skips them.
   */
  async relay(limit, publish) {
    return this.transaction(async (tx) => {
      const { rows } = await tx.client.query(
        `SELECT message_id, type, routing_key, body, headers FROM outbox WHERE sent_at IS NULL
         ORDER BY created_at, message_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      const outcomes = await publish(rows);
      for (const [messageId, error] of outcomes) {
        if (error === null) {
          await tx.client.query('UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE message_id = $1', [messageId]);
        } else {
          await tx.client.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE message_id = $1', [messageId, String(error).slice(0, 500)]);
        }
      }
      return rows.length;
    });
  }

  /** Drops the parties' mobile numbers from referrals finished more than `days` ago; how many referrals. */
  async purgePhones(days) {
    const { rowCount } = await this.pool.query(
      `UPDATE referrals
       SET parties = (SELECT COALESCE(jsonb_agg(party - 'phone'), '[]'::jsonb) FROM jsonb_array_elements(parties) AS party)
       WHERE status IN ('declined', 'reported', 'withdrawn') AND updated_at < now() - make_interval(days => $1)
         AND jsonb_path_exists(parties, '$[*] ? (exists(@.phone))')`,
      [days],
    );
    return rowCount;
  }

  async close() {
    await this.pool.end();
  }
}

module.exports = { Store };
