// The outbox relay: publishes committed reports with confirms, marks each sent only once the broker confirmed
// it, and sends the others again later under the same message id.
'use strict';

const { DOCUMENTS_EXCHANGE } = require('./contract');

const BATCH = 100;
const POLL_MS = 1000; // also the pause before a refused or unconfirmed report is sent again

class Relay {
  constructor(store, broker, log) {
    this.store = store;
    this.broker = broker;
    this.log = log;
    this.stopped = false;
    this.wake = null;
    this.loop = null;
  }

  start() {
    this.loop = this.run();
  }

  /** Called after a commit that queued a report: no need to wait for the next poll. */
  nudge() {
    if (this.wake) this.wake();
  }

  async run() {
    while (!this.stopped) {
      let full = false;
      if (this.broker.consuming) {
        try {
          full = (await this.store.relay(BATCH, (rows) => this.publishAll(rows))) === BATCH;
        } catch (error) {
          this.log('warning', 'outbox relay failed; trying again', { error: error.message });
        }
      }
      if (!full && !this.stopped) {
        await new Promise((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, POLL_MS);
        });
        this.wake = null;
      }
    }
  }

  /** [message id, null | error] for each row: null only when the broker confirmed it. */
  async publishAll(rows) {
    const outcomes = await Promise.allSettled(rows.map((row) =>
      this.broker.publish(DOCUMENTS_EXCHANGE, row.routing_key, Buffer.from(row.body, 'utf8'), {
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        messageId: row.message_id,
        type: row.type,
        headers: row.headers,
      })));
    return rows.map((row, i) => {
      const outcome = outcomes[i];
      if (outcome.status === 'fulfilled') {
        this.log('info', 'sent', { type: row.type, message_id: row.message_id, routing_key: row.routing_key });
        return [row.message_id, null];
      }
      this.log('warning', 'not confirmed; will send it again with the same id', { type: row.type, message_id: row.message_id, error: outcome.reason.message });
      return [row.message_id, outcome.reason.message];
    });
  }

  async stop() {
    this.stopped = true;
    this.nudge();
    await this.loop;
  }
}

module.exports = { Relay };
