// The SCIM discovery bodies against SCIMMY, an independent SCIM 2.0
// implementation with its own copy of RFC 7643's schemas. Reads the bodies
// that t/scim/discovery.c++ prints on stdin:
//   build/scim/discovery | node t/scim/discovery.mjs
// - each served schema (User, Group, enterprise User) has the attributes and
//   sub-attributes of SCIMMY's definition, no more and no fewer, with the
//   same characteristics, but for the differences listed below, each of which
//   must still be seen (so that the list stays true);
// - the ServiceProviderConfig and each ResourceType pass SCIMMY's coercion
//   with the schema of RFC 7643 section 8.7.2 (types, required attributes),
//   and the coercion drops nothing but what is listed below.
// SCIMMY comes from build/npm (make's rule for it), or from SCIMMY, the path
// of its dist/scimmy.js.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { pathToFileURL } from 'node:url';

const where = process.env.SCIMMY
  ? pathToFileURL(process.env.SCIMMY)
  : new URL('../../build/npm/node_modules/scimmy/dist/scimmy.js', import.meta.url);
let SCIMMY;
try {
  SCIMMY = (await import(where)).default;
} catch (e) {
  console.log(`SCIMMY cannot be loaded from ${where} (make installs it): ${e.message}`);
  process.exit(2);
}

// Where this service and SCIMMY read RFC 7643 differently, and why.
const differences = [
  // Section 8.7.1's JSON says false; SCIMMY follows section 2.3.6 ("A binary
  // is case exact"); this service keeps the values of the JSON (src/scim_schema.c++).
  { path: 'urn:ietf:params:scim:schemas:core:2.0:User:x509Certificates.value', key: 'caseExact',
    ours: false, theirs: true },
];
// What SCIMMY's coercion may drop: "primary" of an authentication scheme is
// in the example of RFC 7643 section 8.5, not in the schema of section 8.7.2.
const droppable = ['authenticationSchemes.primary'];

const bodies = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
const problem = (what) => problems.push(what);
const seen = new Set();

// A characteristic as RFC 7643 section 2.2 defaults it when absent.
const defaults = { caseExact: false, uniqueness: 'none', canonicalValues: [], referenceTypes: [],
  required: false, multiValued: false, returned: 'default', mutability: 'readWrite' };
const keys = ['type', ...Object.keys(defaults)];
const value = (a, key) => (key in a ? a[key] : defaults[key]);

// `prefix`: "URN:" for a schema's attributes, "URN:attr." for its sub-attributes
function compare(ours, theirs, prefix) {
  const names = (list) => (list ?? []).map((a) => a.name);
  for (const name of names(ours))
    if (!names(theirs).includes(name)) problem(`${prefix}${name}: not in SCIMMY's definition`);
  for (const name of names(theirs))
    if (!names(ours).includes(name)) problem(`${prefix}${name}: in SCIMMY's definition, not served`);
  for (const a of ours ?? []) {
    const b = (theirs ?? []).find((t) => t.name === a.name);
    if (!b) continue;
    const at = prefix + a.name;
    for (const key of keys) {
      const x = value(a, key), y = value(b, key);
      if (isDeepStrictEqual(x, y)) continue;
      const known = differences.find((d) => d.path === at && d.key === key &&
        isDeepStrictEqual(d.ours, x) && isDeepStrictEqual(d.theirs, y));
      if (known) seen.add(known);
      else problem(`${at} ${key}: ${JSON.stringify(x)}, SCIMMY ${JSON.stringify(y)}`);
    }
    if (a.subAttributes || b.subAttributes)
      compare(a.subAttributes, b.subAttributes, `${at}.`);
  }
}

const definitions = {
  'urn:ietf:params:scim:schemas:core:2.0:User': SCIMMY.Schemas.User,
  'urn:ietf:params:scim:schemas:core:2.0:Group': SCIMMY.Schemas.Group,
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': SCIMMY.Schemas.EnterpriseUser,
};
const served = bodies.Schemas?.Resources ?? [];
if (served.length !== 3) problem(`${served.length} schemas served, not 3`);
let attributes = 0;
for (const schema of served) {
  const definition = definitions[schema.id];
  if (!definition) { problem(`schema ${schema.id}: SCIMMY has none`); continue; }
  // (its attributes are objects that say what they are through toJSON)
  const theirs = JSON.parse(JSON.stringify(definition.definition.describe()));
  for (const key of ['schemas', 'id', 'name', 'description'])
    if (!isDeepStrictEqual(schema[key], theirs[key]))
      problem(`${schema.id} ${key}: ${JSON.stringify(schema[key])}, SCIMMY ${JSON.stringify(theirs[key])}`);
  compare(schema.attributes, theirs.attributes, `${schema.id}:`);
  const count = (list) => (list ?? []).reduce((n, a) => n + 1 + count(a.subAttributes), 0);
  attributes += count(schema.attributes);
}
for (const d of differences)
  if (!seen.has(d)) problem(`listed difference not seen: ${d.path} ${d.key}`);

// `ours` less what SCIMMY's coercion gave back, as dotted paths
function dropped(ours, coerced, path, out) {
  if (Array.isArray(ours)) {
    ours.forEach((v, i) => dropped(v, coerced?.[i], path, out));
  } else if (ours && typeof ours === 'object') {
    for (const [k, v] of Object.entries(ours)) {
      const p = path ? `${path}.${k}` : k;
      if (coerced === undefined || !(k in coerced)) out.add(p);
      else dropped(v, coerced[k], p, out);
    }
  } else if (!isDeepStrictEqual(ours, coerced)) {
    problem(`${path}: ${JSON.stringify(ours)} coerced to ${JSON.stringify(coerced)}`);
  }
  return out;
}

function coerce(schema, body, what) {
  let coerced;
  try {
    coerced = JSON.parse(JSON.stringify(schema.definition.coerce(body)));
  } catch (e) {
    problem(`${what}: SCIMMY refuses it: ${e.message}`);
    return;
  }
  for (const p of dropped(body, coerced, '', new Set()))
    if (!droppable.includes(p)) problem(`${what}: SCIMMY's coercion drops ${p}`);
}

coerce(SCIMMY.Schemas.ServiceProviderConfig, bodies.ServiceProviderConfig, 'ServiceProviderConfig');
const types = bodies.ResourceTypes?.Resources ?? [];
if (types.length !== 2) problem(`${types.length} resource types served, not 2`);
for (const t of types) coerce(SCIMMY.Schemas.ResourceType, t, `ResourceType ${t.id}`);

for (const p of problems) console.log(`problem: ${p}`);
console.log(problems.length ? `discovery: ${problems.length} problem(s)` :
  `discovery: the ${attributes} attributes of the ${served.length} schemas agree with SCIMMY ` +
  `(${differences.length} known difference), and SCIMMY takes the ServiceProviderConfig and ` +
  `the ${types.length} resource types`);
process.exit(problems.length ? 1 : 0);
