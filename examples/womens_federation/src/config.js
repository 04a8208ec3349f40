// The settings the platform hands the agency process (the WUYUAN_* environment), checked before anything starts.
'use strict';

const path = require('node:path');

// This example is the women's federation: its agency code is fixed by its registry entry ([agencies.women]).
const AGENCY_CODE = 'women';

class ConfigError extends Error {}

function required(env, name) {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`${name} is missing: the platform sets it (wuyuan up), or export it yourself`);
  }
  return value.trim();
}

function parseUrl(name, value, protocols) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, not ${url.protocol}//`);
  }
  return url;
}

function positiveInteger(env, name, fallback, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from 1 to ${max}, not ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** WUYUAN_DEV_MODE=true, as the platform's own services read it: a development machine, where gaps are forgiven. */
function devMode(env) {
  return (env.WUYUAN_DEV_MODE || '').trim().toLowerCase() === 'true';
}

/**
 * Where identity lists the tokens it withdrew. Left unset by mistake, withdrawn tokens would pass without a word, so
 * unset is refused, except in development mode. Set empty, it says there is no list: the deployment trusts an
 * OpenID Connect provider of its own, which withdraws its own tokens (the platform passes it empty then).
 */
function withdrawalsList(env) {
  const value = env.WUYUAN_AUTH_REVOCATIONS_URL;
  if (value === undefined) {
    if (devMode(env)) return null;
    throw new ConfigError(
      'WUYUAN_AUTH_REVOCATIONS_URL is missing: without identity\'s list of withdrawn tokens they would be honoured; ' +
        'the platform sets it (wuyuan up), empty where the deployment trusts its own OpenID Connect provider, ' +
        'or WUYUAN_DEV_MODE=true on a development machine',
    );
  }
  if (value.trim() === '') return null;
  return parseUrl('WUYUAN_AUTH_REVOCATIONS_URL', value.trim(), ['http:', 'https:', 'file:']);
}

/** Reads and checks the environment; throws ConfigError naming the first variable that is missing or malformed. */
function loadConfig(env = process.env) {
  const service = required(env, 'WUYUAN_SERVICE');
  if (!/^[a-z][a-z_]{1,39}$/.test(service)) {
    throw new ConfigError(`WUYUAN_SERVICE must be lower-case letters and underscores, not ${JSON.stringify(service)}`);
  }

  const amqpUrl = parseUrl('WUYUAN_AMQP_URI', required(env, 'WUYUAN_AMQP_URI'), ['amqp:', 'amqps:']);
  const vhost = decodeURIComponent(amqpUrl.pathname.replace(/^\//, ''));
  if (vhost === '') throw new ConfigError('WUYUAN_AMQP_URI names no virtual host (amqp://user:password@host:5672/<vhost>)');
  const brokerUser = required(env, 'WUYUAN_AMQP_USER');
  if (decodeURIComponent(amqpUrl.username) !== brokerUser) {
    throw new ConfigError('WUYUAN_AMQP_USER is not the user WUYUAN_AMQP_URI logs in as');
  }
  // Broker users are named `<vhost>.<service>`; the trusted senders are named the same way.
  if (brokerUser !== `${vhost}.${service}`) {
    throw new ConfigError(`WUYUAN_AMQP_USER must be ${vhost}.${service} (<vhost>.<service>), not ${brokerUser}`);
  }

  const databaseUrl = required(env, 'WUYUAN_DATABASE_URL');
  parseUrl('WUYUAN_DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']);

  const address = required(env, 'WUYUAN_HTTP_ADDRESS');
  const match = /^(.*):([0-9]{1,5})$/.exec(address);
  if (!match || match[1] === '' || Number(match[2]) > 65535) {
    throw new ConfigError(`WUYUAN_HTTP_ADDRESS must be host:port, not ${JSON.stringify(address)}`);
  }
  const httpHost = match[1].replace(/^\[(.*)\]$/, '$1');

  const county = required(env, 'WUYUAN_COUNTY');
  if (!/^[0-9]{6}$/.test(county)) throw new ConfigError(`WUYUAN_COUNTY must be a 6-digit division code, not ${JSON.stringify(county)}`);

  const jwksUrl = parseUrl('WUYUAN_AUTH_JWKS_URL', required(env, 'WUYUAN_AUTH_JWKS_URL'), ['http:', 'https:', 'file:']);
  const revocationsUrl = withdrawalsList(env);

  const otlp = env.OTEL_EXPORTER_OTLP_ENDPOINT ? parseUrl('OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT, ['http:', 'https:']) : null;

  return Object.freeze({
    agency: AGENCY_CODE,
    service,
    amqpUri: amqpUrl.toString(),
    vhost,
    brokerUser,
    databaseUrl,
    httpHost,
    httpPort: Number(match[2]),
    county,
    centreUnit: `centre:${county}`,
    authIssuer: required(env, 'WUYUAN_AUTH_ISSUER'),
    authAudience: required(env, 'WUYUAN_AUTH_AUDIENCE'),
    jwksUrl,
    // identity's list of withdrawn tokens, read again this often (how late a withdrawal takes effect); null for a
    // provider of the deployment's own (set empty), or in development mode when unset.
    revocationsUrl,
    revocationsMaxAgeSeconds: positiveInteger(env, 'WUYUAN_AUTH_REVOCATIONS_MAX_AGE_SECONDS', 30, 3600),
    // The contract's JSON Schemas; by default the copy in this repository (docs/contracts).
    contractsDir: path.resolve(env.WUYUAN_CONTRACTS_DIR || path.join(__dirname, '..', '..', '..', 'docs', 'contracts')),
    maxAttempts: positiveInteger(env, 'WUYUAN_MAX_ATTEMPTS', 5, 100),
    prefetch: positiveInteger(env, 'WUYUAN_PREFETCH', 10, 1000),
    // Parties' mobile numbers are dropped this many days after a referral is finished.
    retentionDays: positiveInteger(env, 'WUYUAN_PERSONAL_DATA_RETENTION_DAYS', 1095, 36500),
    otlpEndpoint: otlp ? otlp.toString().replace(/\/$/, '') : null,
    traceFile: env.WUYUAN_TRACE_FILE || null,
  });
}

module.exports = { loadConfig, ConfigError, AGENCY_CODE };
