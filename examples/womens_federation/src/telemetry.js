// Spans of the case's trace: exported over OTLP/HTTP (JSON) when OTEL_EXPORTER_OTLP_ENDPOINT is set, else
// appended to WUYUAN_TRACE_FILE as the JSON lines `wuyuan trace CASE_ID` reads. Never blocks the work.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { redact } = require('./contract');

const KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const FLUSH_MS = 2000;

class Tracer {
  constructor(config, log) {
    this.service = config.service;
    this.endpoint = config.otlpEndpoint;
    this.file = this.endpoint ? null : config.traceFile;
    this.log = log;
    this.pending = [];
    this.timer = this.endpoint || this.file ? setInterval(() => this.flush(), FLUSH_MS) : null;
    if (this.timer) this.timer.unref();
  }

  /**
   * Records a finished span: `span` is {traceId, spanId, parentSpanId}; every span names its case
   * (`wuyuan.case_id`), and attribute values are scrubbed of ID and mobile numbers.
   */
  record(span, name, kind, caseId, startedAt, attributes = {}) {
    if (!this.timer) return;
    this.pending.push({
      ...span,
      name,
      kind,
      start: BigInt(startedAt) * 1000000n,
      end: BigInt(Date.now()) * 1000000n,
      attributes: Object.fromEntries(
        Object.entries({ 'wuyuan.case_id': caseId, ...attributes })
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => [k, redact(String(v))]),
      ),
    });
  }

  async flush() {
    const spans = this.pending.splice(0);
    if (spans.length === 0) return;
    try {
      if (this.endpoint) await this.exportOtlp(spans);
      else {
        // Spans name cases and officers: the directory and file are for the service's user alone.
        await fs.promises.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
        await fs.promises.appendFile(this.file, spans.map((s) => `${JSON.stringify(this.jsonLine(s))}\n`).join(''), { mode: 0o600 });
      }
    } catch (error) {
      // Telemetry is diagnostics: losing a batch must never stop a referral.
      this.log('warning', 'could not export spans', { error: error.message, spans: spans.length });
    }
  }

  exportOtlp(spans) {
    const body = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: this.service } }] },
        scopeSpans: [{
          scope: { name: 'wuyuan-womens-federation' },
          spans: spans.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
            name: s.name,
            kind: KIND[s.kind],
            startTimeUnixNano: String(s.start),
            endTimeUnixNano: String(s.end),
            attributes: Object.entries(s.attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
            status: { code: 1 },
          })),
        }],
      }],
    };
    return fetch(`${this.endpoint}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    }).then((response) => {
      if (!response.ok) throw new Error(`collector answered ${response.status}`);
    });
  }

  jsonLine(s) {
    return {
      trace_id: s.traceId,
      span_id: s.spanId,
      parent_span_id: s.parentSpanId,
      name: s.name,
      kind: s.kind.toUpperCase(),
      service: this.service,
      start_ns: Number(s.start),
      end_ns: Number(s.end),
      status: 'OK',
      attributes: s.attributes,
      links: [],
    };
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}

module.exports = { Tracer };
