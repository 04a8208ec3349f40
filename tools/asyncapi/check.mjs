// Checks the published contract with the official AsyncAPI parser, and every example with Ajv.
//
//   node tools/asyncapi/check.mjs docs/contracts
//
// Prints one JSON report on stdout: the parser's diagnostics (errors fail the check) and, per example,
// whether its schema accepts it and the fields the schema's errors name. Exits 1 when the document has
// errors, a valid example is refused, or an invalid one is accepted or refused for another field.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Parser, fromFile } from '@asyncapi/parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const dir = resolve(process.argv[2] ?? 'docs/contracts');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const SEVERITY = ['error', 'warning', 'info', 'hint'];

async function parseDocument() {
  const parser = new Parser();
  const { document, diagnostics } = await fromFile(parser, join(dir, 'asyncapi.json')).parse();
  return {
    parsed: document !== undefined,
    channels: document ? document.channels().length : 0,
    operations: document ? document.operations().length : 0,
    messages: document ? document.components().messages().length : 0,
    diagnostics: diagnostics.map((d) => ({
      severity: SEVERITY[d.severity] ?? String(d.severity),
      code: d.code,
      message: d.message,
      path: d.path.join('/'),
    })),
  };
}

// The first path segment an error names: a missing property, or the field whose value is wrong.
function fieldsOf(errors) {
  return [...new Set((errors ?? []).map((e) =>
    e.keyword === 'required' && e.instancePath === ''
      ? e.params.missingProperty
      : e.instancePath.split('/')[1] ?? ''))];
}

function checkExamples() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const results = [];
  for (const file of readdirSync(join(dir, 'schemas')).filter((f) => f.endsWith('.json')).sort()) {
    const type = file.slice(0, -'.json'.length);
    const validate = ajv.compile(readJson(join(dir, 'schemas', file)));
    const ok = validate(readJson(join(dir, 'examples', 'valid', file)));
    results.push({ type, example: 'valid', accepted: ok, fields: fieldsOf(validate.errors) });
    for (const bad of readJson(join(dir, 'examples', 'invalid', file)).examples) {
      const accepted = validate(bad.payload);
      results.push({ type, example: bad.name, expectedField: bad.field, accepted, fields: fieldsOf(validate.errors) });
    }
  }
  return results;
}

const document = await parseDocument();
const examples = checkExamples();
const wrong = examples.filter((r) =>
  r.example === 'valid' ? !r.accepted : r.accepted || !r.fields.includes(r.expectedField));
const errors = document.diagnostics.filter((d) => d.severity === 'error');
console.log(JSON.stringify({ document, examples, wrong }, null, 2));
// What failed, for a person reading a terminal (stdout is the report for the test).
for (const e of errors) console.error(`asyncapi error at ${e.path}: ${e.message} (${e.code})`);
for (const w of wrong) console.error(`example ${w.type}/${w.example}: ${w.accepted ? 'accepted' : `refused on ${w.fields.join(', ')}`}`);
const failed = !document.parsed || errors.length > 0 || wrong.length > 0;
console.error(failed ? 'contract check failed' : `contract check passed: ${document.messages} messages, ${examples.length} examples`);
process.exit(failed ? 1 : 0);
