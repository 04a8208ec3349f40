// The officer API and /health over node:http: routing, bodies, tokens and errors, mapped in this one place.
'use strict';

const http = require('node:http');
const { Refusal } = require('./rules');
const { HttpError, badInput } = require('./officers');

const MAX_BODY = 64 * 1024;
const ACTION_PATH = /^\/api\/v1\/referrals\/([^/]+)\/(accept|decline|progress|result)$/;
const REFERRAL_PATH = /^\/api\/v1\/referrals\/([^/]+)$/;

function send(response, status, payload, headers = {}) {
  const body = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/** The request's JSON object body ({} when empty); a 400 naming `(body)` when it is not one. */
async function readJson(request) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_BODY) throw badInput([{ field: '(body)', message: `larger than ${MAX_BODY} bytes`, type: 'too_long' }]);
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return {};
  const type = (request.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json', [{ field: '(body)', message: 'not application/json', type: 'content_type' }]);
  }
  let body;
  try {
    body = JSON.parse(raw);
  } catch (error) {
    throw badInput([{ field: '(body)', message: `invalid JSON: ${error.message}`, type: 'json_invalid' }]);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badInput([{ field: '(body)', message: 'must be a JSON object', type: 'model_type' }]);
  }
  return body;
}

function makeServer({ verifier, officers, health, log }) {
  async function route(request, response) {
    const url = new URL(request.url, 'http://agency');
    const { pathname } = url;
    if (pathname === '/health' && request.method === 'GET') {
      const state = health();
      return send(response, state.status === 'ok' ? 200 : 503, state);
    }
    if (!pathname.startsWith('/api/v1/')) throw new HttpError(404, 'not_found', `no route ${pathname}`);
    const caller = await verifier.principal(request.headers.authorization);
    let match;
    if ((match = ACTION_PATH.exec(pathname))) {
      if (request.method !== 'POST') throw new HttpError(405, 'method_not_allowed', `${request.method} ${pathname}`);
      const body = await readJson(request);
      return send(response, 202, await officers.act(match[2], decodeURIComponent(match[1]), body, caller));
    }
    if (request.method !== 'GET') throw new HttpError(405, 'method_not_allowed', `${request.method} ${pathname}`);
    if (pathname === '/api/v1/referrals') return send(response, 200, await officers.list(url.searchParams, caller));
    if (pathname === '/api/v1/rejections') return send(response, 200, await officers.rejections(url.searchParams, caller));
    if ((match = REFERRAL_PATH.exec(pathname))) return send(response, 200, await officers.show(decodeURIComponent(match[1]), caller));
    throw new HttpError(404, 'not_found', `no route ${pathname}`);
  }

  return http.createServer((request, response) => {
    route(request, response).catch((error) => {
      if (error instanceof HttpError) {
        const payload = { error: error.error, message: error.message };
        if (error.fields) payload.fields = error.fields;
        return send(response, error.status, payload, error.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
      }
      if (error instanceof Refusal) return send(response, 409, { error: 'conflict', message: error.message, code: error.code });
      // Anything else is ours or the database's: say so without details, and log it.
      log('error', 'request failed', { method: request.method, path: request.url, error: error.stack });
      const unavailable = error.code === 'ECONNREFUSED' || /^(08|57P)/.test(error.code || '') || /timeout/i.test(error.message);
      return send(response, unavailable ? 503 : 500, unavailable
        ? { error: 'unavailable', message: 'storage unavailable, retry later' }
        : { error: 'internal', message: 'internal error; see the service log' });
    });
  });
}

module.exports = { makeServer };
