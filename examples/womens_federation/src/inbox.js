// The inbox consumer: read, check the sender, validate, apply the effect and claim the id in one
// transaction, acknowledge after commit; dead-letter what can never be handled, retry what failed for now.
'use strict';

const { RECEIVES, receivedErrors, trustedSender, attemptOf, deadLetterHeaders, deadLetterExchange, inboxQueue } = require('./contract');
const { OPEN, Refusal, reopenedBy, splitUnit, parseTraceparent, childSpan, traceparentOf } = require('./rules');

/** A message that may apply later (a letter overtaking its referral): retried through the retry queue. */
class NotYet extends Error {}
/** A message id handled before: its transaction is rolled back and the message acknowledged. */
class AlreadyHandled extends Error {}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** The body as a JSON object, or the reason it is not one (for the dead letter). */
function readBody(content) {
  let data;
  try {
    data = JSON.parse(textDecoder.decode(content));
  } catch (error) {
    return { reason: `malformed JSON: ${error.message.slice(0, 300)}` };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { reason: `malformed message: the body is a JSON ${Array.isArray(data) ? 'array' : typeof data}, not an object` };
  }
  return { body: data };
}

// What each document does to the agency's records, inside the transaction that claims its id.
const EFFECTS = {
  async ReferralIssued(tx, m, trace, now) {
    if (await tx.addReferral(m, trace, now)) {
      await tx.log(m.referral_id, 'received', null, { role: m.role, round: m.round, due_at: m.due_at }, now);
    }
  },
  async ReminderIssued(tx, m, trace, now) {
    await letter(tx, m, 'reminder', now);
  },
  async OverdueNoticeIssued(tx, m, trace, now) {
    await letter(tx, m, m.about_unit ? 'overdue_notice_superior' : 'overdue_notice', now);
  },
  async NoticeCirculated(tx, m, trace, now) {
    // A 通报 stays in supervision's archive; claiming its id here is the receipt, and its 文号 is kept.
    await tx.keepNotice(m, now);
  },
  async ReferralDeadlineChanged(tx, m, trace, now) {
    await requireReferral(tx, m.referral_id);
    if (await tx.moveDeadline(m.referral_id, m.due_at, m.revision, m.due_provisional ?? false, now)) {
      await tx.log(m.referral_id, 'deadline_changed', null, { due_at: m.due_at, due_provisional: m.due_provisional ?? false, revision: m.revision }, now);
    }
  },
  async ReferralWithdrawn(tx, m, trace, now) {
    const referral = await requireReferral(tx, m.referral_id);
    if (OPEN.has(referral.status)) await tx.setStatus(m.referral_id, 'withdrawn', now);
    await tx.log(m.referral_id, 'withdrawn', null, { reason: m.reason, successor: m.successor ?? null, was: referral.status }, now);
  },
  async MessageRejected(tx, m, trace, now) {
    await tx.addRejection(m, now);
    const referral = m.referral_id ? await tx.lockReferral(m.referral_id) : null;
    if (!referral) return;
    const detail = { reason: m.reason, detail: m.detail, rejected_message_id: m.rejected_message_id, rejected_type: m.rejected_type ?? null, refused_by: m.refused_by };
    // The centre did not take the result (or decline) that finished the referral: left finished, it could
    // never be reported again, and the case would wait on this unit for good.
    const status = reopenedBy(referral, m);
    if (status) {
      await tx.reopen(m.referral_id, status, { ...detail, notice_id: m.message_id, received_at: now.toISOString() }, now);
      detail.reopened = { status, was: referral.status };
    }
    await tx.log(m.referral_id, 'rejected', null, detail, now);
  },
};

async function requireReferral(tx, referralId) {
  const referral = await tx.lockReferral(referralId);
  // The centre's later document overtook the referral itself: retrying lets the referral land first.
  if (!referral) throw new NotYet(`referral ${referralId} not received yet`);
  return referral;
}

async function letter(tx, m, kind, now) {
  await requireReferral(tx, m.referral_id);
  const detail = { due_at: m.due_at, document_number: m.document_number ?? null, document_id: m.document_id ?? null };
  if (m.about_unit) detail.about_unit = m.about_unit;
  await tx.log(m.referral_id, kind, null, detail, now);
}

function makeInbox({ config, contract, store, broker, tracer, log }) {
  const queue = inboxQueue(config.service);

  async function deadLetter(delivery, reason) {
    const { content, properties } = delivery.message;
    log('error', 'dead-lettering a message', { reason, message_id: properties.messageId ?? null, queue });
    try {
      await broker.publish(deadLetterExchange(config.service), config.service, content, {
        // The body and properties unchanged, so that an operator can replay it as it came.
        contentType: properties.contentType || 'application/octet-stream',
        contentEncoding: properties.contentEncoding || 'binary',
        messageId: properties.messageId,
        type: properties.type,
        timestamp: properties.timestamp,
        correlationId: properties.correlationId,
        headers: deadLetterHeaders(properties.headers, properties.userId, queue, reason),
      });
    } catch (error) {
      // Not dead-lettered (the broker went away): reject it, and it comes back through the retry queue.
      log('warning', 'could not dead-letter; retrying the message later', { error: error.message });
      delivery.reject();
      return;
    }
    delivery.ack(); // only once the dead letter is confirmed
  }

  /** Why a readable message can never apply here, or null when it may. */
  function refusalOf(type, body, userId) {
    const errors = receivedErrors(contract, type, body);
    if (errors.length > 0) {
      const fields = errors.slice(0, 5).map((e) => `${e.field}: ${e.message}`).join('; ');
      return `schema violation in ${type}: ${fields}`;
    }
    const expected = trustedSender(config.vhost, type, body);
    if (userId !== expected) {
      return `rejected: wrong_sender: ${type} counts only from ${expected ?? 'a centre service'}, not ${userId || '(no user_id)'}`;
    }
    if (splitUnit(body.recipient)[0] !== config.agency) {
      return `rejected: wrong_unit: ${body.recipient} is not a unit of ${config.agency}`;
    }
    return null;
  }

  return async function onDelivery(delivery) {
    const { properties } = delivery.message;
    const { body, reason } = readBody(delivery.message.content);
    if (reason) return deadLetter(delivery, reason);
    const type = body.type;
    if (typeof type !== 'string' || !RECEIVES[type]) {
      return deadLetter(delivery, `unknown message type ${JSON.stringify(type).slice(0, 100)} for ${config.service}`);
    }
    const refusal = refusalOf(type, body, properties.userId);
    if (refusal) return deadLetter(delivery, refusal);

    const startedAt = Date.now();
    const headers = properties.headers || {};
    // Our span of the message's receipt, a child of the sender's; a referral keeps it, so that the
    // officers' replies, days later, join the same trace under it.
    const span = childSpan(parseTraceparent(headers.traceparent));
    const trace = {
      traceparent: traceparentOf(span),
      tracestate: typeof headers.tracestate === 'string' ? headers.tracestate : null,
      baggage: typeof headers.baggage === 'string' ? headers.baggage : body.case_id ? `wuyuan.case_id=${body.case_id}` : null,
    };
    try {
      await store.transaction(async (tx) => {
        if (!(await tx.claim(body.message_id, type))) throw new AlreadyHandled();
        await EFFECTS[type](tx, body, trace, new Date());
      });
    } catch (error) {
      if (error instanceof AlreadyHandled) {
        log('info', 'already handled; skipped', { type, message_id: body.message_id });
        delivery.ack();
        return;
      }
      if (error instanceof Refusal) return deadLetter(delivery, `rejected: ${error.message}`);
      const attempt = attemptOf(headers, queue);
      if (attempt >= config.maxAttempts) {
        return deadLetter(delivery, `failed ${attempt} times, last: ${error.name}: ${error.message}`);
      }
      log('warning', 'could not handle a message now; retrying later', { type, message_id: body.message_id, attempt, error: error.message });
      delivery.reject();
      return;
    }
    delivery.ack(); // after the commit: a crash before this redelivers it, and the claim skips it
    tracer.record(span, `${config.service} receive ${type}`, 'consumer', body.case_id, startedAt, {
      'messaging.message.id': body.message_id,
      'wuyuan.referral_id': body.referral_id,
    });
    log('info', 'handled', { type, message_id: body.message_id, case_id: body.case_id ?? null });
  };
}

module.exports = { makeInbox, readBody, EFFECTS };
