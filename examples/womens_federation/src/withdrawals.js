// Withdrawn tokens: the accounts whose earlier tokens no longer count (disabled, or their password, roles or units
// changed), as identity lists them at WUYUAN_AUTH_REVOCATIONS_URL (services/identity/README.md, "Withdrawn tokens").
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const { fileURLToPath } = require('node:url');

// The shapes identity gives: a handle its tokens carry (claim `wuyuan_handle`) and the SHA-256 of a username (hex).
const HANDLE = /^[0-9A-Za-z_-]{16,128}$/;
const DIGEST = /^[0-9a-f]{64}$/;
// While the list cannot be read, it is asked again at most this often; the list last read holds meanwhile.
const RETRY_SECONDS = 10;
const FETCH_TIMEOUT_MS = 5000;

class ListUnreadable extends Error {}
// No list has been read yet: no token is taken until one is (the agency answers 503, retry later).
class WithdrawalsUnknown extends Error {}

/** The list as identity answers it, as {byHandle, byDigest} (Maps to epoch seconds); ListUnreadable for any entry
 * that is not as it should be: a list is taken whole or not at all. `withdrawn` is absent from an identity of a
 * release before handles, whose `revoked` names every withdrawal. */
function parseWithdrawals(document) {
  const entries = (list, key, shape) => {
    if (!Array.isArray(list)) throw new ListUnreadable(`the list's ${key} entries are not a list`);
    const found = new Map();
    for (const entry of list) {
      const name = entry && entry[key];
      const from = entry && entry.tokens_valid_from;
      if (typeof name !== 'string' || !shape.test(name) || typeof from !== 'number' || !Number.isFinite(from)) {
        throw new ListUnreadable(`an entry of the list is not a ${key} with tokens_valid_from`);
      }
      found.set(name, Math.max(from, found.get(name) ?? -Infinity)); // listed twice: the latest counts
    }
    return found;
  };
  if (document === null || typeof document !== 'object') throw new ListUnreadable('the list is not a JSON object');
  return {
    byDigest: entries(document.revoked, 'subject_digest', DIGEST),
    byHandle: document.withdrawn === undefined ? new Map() : entries(document.withdrawn, 'handle', HANDLE),
  };
}

async function readDocument(url) {
  if (url.protocol === 'file:') return JSON.parse(fs.readFileSync(fileURLToPath(url), 'utf8'));
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new ListUnreadable(`HTTP ${response.status}`);
  return response.json();
}

const digestOf = (subject) => crypto.createHash('sha256').update(subject, 'utf8').digest('hex');

/** When a token's account's valid tokens begin (epoch seconds), or null: by the handle the token carries and by the
 * digest of its subject, the later of the two (identity lists a withdrawal by digest while a token without a handle
 * may be valid). */
function validFrom(listed, subject, handle) {
  const found = [listed.byDigest.get(digestOf(subject))];
  if (typeof handle === 'string' && HANDLE.test(handle)) found.push(listed.byHandle.get(handle));
  const known = found.filter((at) => at !== undefined);
  return known.length ? Math.max(...known) : null;
}

/** The list, read again once `maxAgeSeconds` have passed. Before any list was read no token is taken: an agency
 * started while identity cannot answer its list would otherwise take a withdrawn token until it could. */
class Withdrawals {
  constructor(url, maxAgeSeconds, { read = readDocument, clock = () => performance.now() / 1000, warn = () => {} } = {}) {
    this.url = url;
    this.maxAge = maxAgeSeconds;
    this.read = read;
    this.clock = clock;
    this.warn = warn;
    this.listed = { byHandle: new Map(), byDigest: new Map() };
    this.readAt = null;
    this.triedAt = null;
    this.reading = null; // the read under way, if any: one at a time
  }

  wantsRead() {
    const now = this.clock();
    if (this.triedAt !== null && now - this.triedAt <= Math.min(RETRY_SECONDS, this.maxAge)) return false;
    return this.readAt === null || now - this.readAt >= this.maxAge;
  }

  async refresh() {
    this.triedAt = this.clock();
    try {
      this.listed = parseWithdrawals(await this.read(this.url));
      this.readAt = this.triedAt;
    } catch (error) {
      this.warn(`cannot read the withdrawn tokens from ${this.url}: ${error.name}: ${error.message}`);
    }
  }

  /** When the valid tokens of this subject's account, or of the handle's, begin; null if none was withdrawn. A
   * request that finds the list old reads it again and waits for it; one that finds that read under way waits for it
   * only while no list was ever read, and otherwise goes on with the list last read. WithdrawalsUnknown while no
   * list has been read. */
  async validFrom(subject, handle) {
    let reads = false;
    if (this.reading === null && this.wantsRead()) {
      this.reading = this.refresh().finally(() => { this.reading = null; });
      reads = true;
    }
    if (this.reading !== null && (reads || this.readAt === null)) await this.reading;
    if (this.readAt === null) throw new WithdrawalsUnknown(`the withdrawn tokens at ${this.url} have not been read yet`);
    return validFrom(this.listed, subject, handle);
  }
}

module.exports = { Withdrawals, ListUnreadable, WithdrawalsUnknown, parseWithdrawals, validFrom, digestOf };
