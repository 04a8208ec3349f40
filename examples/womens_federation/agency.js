// The women's federation (妇联) as a wuyuan agency in Node.js: started by the platform with its WUYUAN_*
// environment, it takes referrals from its inbox and lets its officers answer them over HTTP.
'use strict';

const { loadConfig, ConfigError } = require('./src/config');
const { Contract, inboxQueue } = require('./src/contract');
const { Store } = require('./src/store');
const { Broker } = require('./src/broker');
const { Relay } = require('./src/relay');
const { Tracer } = require('./src/telemetry');
const { Verifier } = require('./src/auth');
const { makeInbox } = require('./src/inbox');
const { makeOfficers } = require('./src/officers');
const { makeServer } = require('./src/http');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function logger(service) {
  // One JSON object a line, as the platform's services log; never a referral's parties or phones.
  return (level, event, fields = {}) => {
    const line = JSON.stringify({ at: new Date().toISOString(), level, service, event, ...fields });
    (level === 'error' || level === 'warning' ? process.stderr : process.stdout).write(`${line}\n`);
  };
}

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`women_link: cannot start: ${error.message}\n`);
    process.exit(2);
  }
  const log = logger(config.service);
  const contract = new Contract(config.contractsDir);
  const store = new Store(config.databaseUrl);
  const tracer = new Tracer(config, log);
  let stopping = false;
  let storeReady = false;
  let purgeTimer = null;

  const broker = new Broker(config, inboxQueue(config.service), log);
  const relay = new Relay(store, broker, log);
  const inbox = makeInbox({ config, contract, store, broker, tracer, log });
  const officers = makeOfficers({ config, contract, store, relay, tracer });
  const server = makeServer({
    verifier: new Verifier(config, log),
    officers,
    // `wuyuan up` and `wuyuan status` read `status`, and check `service` and `vhost` when given (another
    // platform's service on the same port must not pass for this one).
    health: () => ({
      status: storeReady && broker.consuming && !stopping ? 'ok' : 'unavailable',
      service: config.service,
      vhost: config.vhost,
      consuming: broker.consuming,
    }),
    log,
  });

  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    log('info', 'stopping', { signal });
    if (purgeTimer) clearInterval(purgeTimer);
    server.close();
    server.closeAllConnections();
    await broker.stop(); // stop taking messages, let those in hand finish, then disconnect
    await relay.stop();
    await tracer.stop();
    await store.close();
    log('info', 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.httpPort, config.httpHost, resolve);
  });
  log('info', 'listening', { address: `${config.httpHost}:${config.httpPort}` });

  // The database may come up after us: keep trying; /health answers 503 meanwhile.
  while (!storeReady && !stopping) {
    try {
      await store.init();
      storeReady = true;
    } catch (error) {
      log('warning', 'database not ready; trying again', { error: error.message });
      await sleep(1000);
    }
  }
  if (stopping) return;

  broker.start(inbox);
  relay.start();

  // Personal data is kept only as long as the county allows (WUYUAN_PERSONAL_DATA_RETENTION_DAYS).
  const purge = () => store.purgePhones(config.retentionDays)
    .then((count) => count > 0 && log('info', 'dropped parties\' mobile numbers', { referrals: count }))
    .catch((error) => log('warning', 'could not drop old mobile numbers; trying again later', { error: error.message }));
  purge();
  purgeTimer = setInterval(purge, 60 * 60 * 1000);
  purgeTimer.unref();
}

main().catch((error) => {
  process.stderr.write(`women_link: failed: ${error.stack}\n`);
  process.exit(1);
});
