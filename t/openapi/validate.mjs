// Validates recorded answers of the API against its OpenAPI description.
//
//   node t/openapi/validate.mjs doc/openapi.json answers.jsonl
//
// Each line of answers.jsonl is one exchange: {"method", "path" (below the
// location, still percent-encoded, with its query), "status", "headers"
// (lower-case names), "body", and "api": "scim" for the location that
// carries `mytimetable_scim;` (else the API's)}. For each one the path is
// matched to the templates of its location (SCIM's are the path items with
// servers of their own) and the method to its operation; the status must be
// one the operation describes, the media type and the headers it describes
// as required (and Location) must be there, a header's value must match its
// schema, and the body must validate against the response's schema (JSON
// Schema 2020-12, as OpenAPI 3.1 has it). A method the path does not have
// must answer 405 with an Allow header naming exactly the described methods
// (and HEAD with GET); an undescribed path must answer 404 (the API's an
// Error, SCIM's a ScimError whose status is the answer's), and a path with a
// dot or empty segment the API's 400 (as the description's info says). Every
// operation must have at least one answer. Prints one line per problem and a
// summary; exits 1 on any problem.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';

const require = createRequire(process.env.MTT_NPM_DIR
  ? `${resolvePath(process.env.MTT_NPM_DIR)}/node_modules/` : import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const [docFile, answersFile] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(docFile, 'utf8'));
const answers = readFileSync(answersFile, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l));

// The component schemas as one JSON Schema resource, their $refs rewritten
// to point into it.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
ajv.addKeyword('example');
const rewrite = v => JSON.parse(JSON.stringify(v).replaceAll('"#/components/schemas/', '"mtt#/$defs/'));
ajv.addSchema({ $id: 'mtt', $defs: rewrite(doc.components.schemas) });
const compiled = new Map();
function validator(schema) {
  const key = JSON.stringify(schema);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rewrite(schema)));
  return compiled.get(key);
}

function resolve(obj) {
  while (obj && obj.$ref) {
    const parts = obj.$ref.replace(/^#\//, '').split('/');
    obj = parts.reduce((o, p) => o[p.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  }
  return obj;
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'options', 'trace'];
const apiOf = item => (item.servers ? 'scim' : 'api');
const templates = Object.entries(doc.paths).map(([t, item]) => ({
  template: t,
  api: apiOf(item),
  segments: t.replace(/^\//, '').split('/'),
  literals: t.split('/').filter(s => !s.startsWith('{')).length,
})).sort((a, b) => b.literals - a.literals); // literal segments win

function match(path, api) {
  const segs = path.split('?')[0].split('/');
  for (const t of templates.filter(t => t.api === api))
    if (t.segments.length === segs.length &&
        t.segments.every((s, i) => (s.startsWith('{') ? segs[i] !== '' : s === segs[i])))
      return t.template;
  return null;
}

const mediaType = ct => (ct || '').split(';')[0].trim().toLowerCase();
const isJson = type => type === 'application/json' || type.endsWith('+json');
let problems = 0;
const problem = (a, what) => {
  problems++;
  console.log(`${a.method} ${a.path} -> ${a.status}: ${what}`);
};
const covered = new Map(); // "get /v0/users" -> set of statuses

function checkError(a, code) {
  let body;
  try { body = JSON.parse(a.body); } catch { return problem(a, 'the body is not JSON'); }
  const v = validator({ $ref: '#/components/schemas/Error' });
  if (!v(body)) return problem(a, `not an Error: ${ajv.errorsText(v.errors)}`);
  if (code && body.error !== code) problem(a, `error "${body.error}", expected "${code}"`);
}

// The 404 and 405 of the SCIM location: a ScimError of the answer's status.
function checkScimError(a) {
  if (mediaType(a.headers['content-type']) !== 'application/scim+json')
    return problem(a, `Content-Type "${a.headers['content-type']}", expected application/scim+json`);
  let body;
  try { body = JSON.parse(a.body); } catch { return problem(a, 'the body is not JSON'); }
  const v = validator({ $ref: '#/components/schemas/ScimError' });
  if (!v(body)) return problem(a, `not a ScimError: ${ajv.errorsText(v.errors)}`);
  if (body.status !== String(a.status)) problem(a, `status "${body.status}" in the body`);
}

// A raw path the module refuses whatever its route (src/router.c++): a '.'
// or '..' segment (also as %2e), or an empty one before another ("//").
function rawPathProblem(path) {
  const segs = path.split('?')[0].split('/');
  return segs.some((s, i) => /^(?:\.|%2e){1,2}$/i.test(s) || (s === '' && i < segs.length - 1));
}

for (const a of answers) {
  if (rawPathProblem(a.path)) {
    if (a.status !== 400) problem(a, 'a dot or empty segment, but the answer is not 400');
    else checkError(a, 'bad_request');
    continue;
  }
  const api = a.api || 'api';
  const notFound = api === 'scim' ? () => checkScimError(a) : () => checkError(a, 'not_found');
  const template = match(a.path, api);
  if (!template) {
    if (a.status !== 404) problem(a, 'no path of the description matches, but the answer is not 404');
    else notFound();
    continue;
  }
  const item = doc.paths[template];
  const method = a.method === 'HEAD' ? 'get' : a.method.toLowerCase();
  const operation = item[method];
  if (!operation) {
    if (a.status !== 405) { problem(a, `${template} describes no ${a.method}, but the answer is not 405`); continue; }
    if (api === 'scim') checkScimError(a);
    else checkError(a, 'method_not_allowed');
    const allowed = methods.filter(m => item[m]).flatMap(m => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()]));
    const allow = (a.headers.allow || '').split(',').map(s => s.trim()).filter(Boolean);
    if (allow.slice().sort().join(',') !== allowed.slice().sort().join(','))
      problem(a, `Allow "${a.headers.allow}" but the description has ${allowed.join(', ')}`);
    continue;
  }
  const key = `${method.toUpperCase()} ${template}`;
  const response = resolve(operation.responses[String(a.status)]);
  if (!response) { problem(a, `${key} does not describe the status ${a.status}`); continue; }
  if (!covered.has(key)) covered.set(key, new Set());
  covered.get(key).add(a.status);
  for (const [name, h] of Object.entries(response.headers || {})) {
    const header = resolve(h);
    const value = a.headers[name.toLowerCase()];
    if (value === undefined) {
      if (name === 'Location' || header.required) problem(a, `no ${name} header`);
      continue;
    }
    if (header.schema && header.schema.type === 'string') {
      const v = validator(header.schema);
      if (!v(value)) problem(a, `${name} "${value}" does not match its schema: ${ajv.errorsText(v.errors)}`);
    }
  }
  const content = response.content || {};
  if (a.method === 'HEAD') {
    if (a.body !== '') problem(a, 'HEAD answered a body');
    continue;
  }
  if (Object.keys(content).length === 0) {
    if (a.body !== '') problem(a, 'a body where the description has none');
    continue;
  }
  const type = mediaType(a.headers['content-type']);
  const media = content[type];
  if (!media) { problem(a, `Content-Type "${a.headers['content-type']}" is not one of ${Object.keys(content).join(', ')}`); continue; }
  let body = a.body;
  if (isJson(type)) {
    try { body = JSON.parse(a.body); } catch (e) { problem(a, `the body is not JSON: ${e.message}`); continue; }
  }
  const v = validator(media.schema);
  if (!v(body)) problem(a, `the body does not match the schema: ${ajv.errorsText(v.errors)}`);
}

for (const [template, item] of Object.entries(doc.paths))
  for (const m of methods)
    if (item[m] && !covered.has(`${m.toUpperCase()} ${template}`)) {
      problems++;
      console.log(`no answer of ${m.toUpperCase()} ${template} was validated`);
    }

const statuses = [...covered.values()].reduce((n, s) => n + s.size, 0);
console.log(`openapi: ${answers.length} answers, ${covered.size} operations and ${statuses} (operation, status) pairs validated, ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
