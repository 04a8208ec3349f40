// Officers' tokens: ES256 JWTs checked locally against the issuer's published keys (JWKS), with no call to identity.
'use strict';

const fs = require('node:fs');
const { fileURLToPath } = require('node:url');
const { jwtVerify, createRemoteJWKSet, createLocalJWKSet, errors } = require('jose');
const { HttpError } = require('./officers');
const { Withdrawals, WithdrawalsUnknown } = require('./withdrawals');

const unauthorized = (message) => new HttpError(401, 'unauthorized', message);

// The contract's AccountId: the subject becomes the `officer` of every report, which the centre refuses beyond
// 200 characters or with control characters, and carries stripped of the whitespace around it (another account);
// refused here, such a caller gets 401 rather than a 400 per report. Its character classes as the contract spells
// them (shared/contracts/identifiers.py WHITESPACE and _CONTROL, the schemas' `officer` pattern): JavaScript's `\s`
// is another set, which holds U+FEFF (the contract keeps it as a character) and not U+0085.
const ACCOUNT_ID_MAX_LENGTH = 200;
const WHITESPACE = '\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f';
const CONTROL_OR_SPACE_AROUND = new RegExp(`[${CONTROL}]|^[${WHITESPACE}]|[${WHITESPACE}]$`, 'u');
const isAccountId = (sub) =>
  typeof sub === 'string' && sub.length > 0 && [...sub].length <= ACCOUNT_ID_MAX_LENGTH && !CONTROL_OR_SPACE_AROUND.test(sub);

class Verifier {
  constructor(config, log = () => {}) {
    this.issuer = config.authIssuer;
    this.audience = config.authAudience;
    if (config.jwksUrl.protocol === 'file:') {
      this.jwksFile = fileURLToPath(config.jwksUrl);
      this.keys = null; // read on first use and again when a token names a key not in it (rotation)
    } else {
      // jose caches the keys and fetches them again when a token names an unknown key.
      this.keys = createRemoteJWKSet(config.jwksUrl, { timeoutDuration: 5000, cooldownDuration: 30000 });
    }
    // The tokens identity withdrew (an account disabled, its password, roles or units changed): refused even though
    // their signature holds. None without the setting (a provider of the deployment's own withdraws its own).
    this.withdrawals = config.revocationsUrl
      ? new Withdrawals(config.revocationsUrl, config.revocationsMaxAgeSeconds, {
          warn: (error) => log('warning', 'cannot read the withdrawn tokens; the list last read holds', { error }),
        })
      : null;
  }

  localKeys(reload) {
    if (this.keys === null || reload) this.keys = createLocalJWKSet(JSON.parse(fs.readFileSync(this.jwksFile, 'utf8')));
    return this.keys;
  }

  async verifyWith(token, keys) {
    return jwtVerify(token, keys, {
      issuer: this.issuer,
      audience: this.audience,
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'iat', 'sub'],
    });
  }

  /** The caller {subject, name, roles, units} of an Authorization header; a 401 when there is no valid token. */
  async principal(header) {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header || '');
    if (!match) throw unauthorized('send a token: Authorization: Bearer <token>');
    let payload;
    try {
      if (this.jwksFile) {
        try {
          ({ payload } = await this.verifyWith(match[1], this.localKeys(false)));
        } catch (error) {
          if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
          ({ payload } = await this.verifyWith(match[1], this.localKeys(true)));
        }
      } else {
        ({ payload } = await this.verifyWith(match[1], this.keys));
      }
    } catch (error) {
      if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) throw unauthorized(`invalid token: ${error.code}`);
      throw new HttpError(503, 'unavailable', 'cannot verify credentials now, retry later');
    }
    const strings = (value) => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);
    if (!isAccountId(payload.sub)) throw unauthorized('invalid token: no usable subject');
    let validFrom = null;
    try {
      if (this.withdrawals) validFrom = await this.withdrawals.validFrom(payload.sub, payload.wuyuan_handle);
    } catch (error) {
      if (!(error instanceof WithdrawalsUnknown)) throw error;
      throw new HttpError(503, 'unavailable', 'cannot verify credentials now, retry later');
    }
    if (validFrom !== null && payload.iat < validFrom) {
      throw unauthorized('token withdrawn: the account was disabled, or its password or roles changed, after it was issued; sign in again');
    }
    return { subject: payload.sub, name: typeof payload.name === 'string' ? payload.name : payload.sub, roles: strings(payload.roles), units: strings(payload.units) };
  }
}

module.exports = { Verifier, isAccountId };
