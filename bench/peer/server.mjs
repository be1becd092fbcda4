// The bench's peer: the user directory's query forms of bench/query.pl served
// by Node.js + better-sqlite3, as a small directory service would be built,
// with the indexes such a service declares (username unique, email,
// (last, username)). It answers the same JSON as the module for:
//
//   GET /api/users?$filter=substringof('x',F) | tolower(F) eq 'x' |
//                  startswith(F,'x') | F eq 'x'
//                  &$orderby=F [asc|desc] &$top=N &$skip=N &$inlinecount=allpages
//
// and 400 for anything else; GET /ping answers [] (the bench's floor);
//
//   PUT /api/v0/users/{username} (no body)
//
// creates the user when it does not exist, in a transaction of its own (WAL,
// synchronous=FULL: durable when answered) and answers 204, as the module
// does. Not a reimplementation of OData or of v0: only what the bench sends.
//
//   node bench/peer/server.mjs --db FILE --users USERS.tsv --port P --base-url URL
//
// USERS.tsv is what `build/bench/load --dump` writes; the database is built
// from it when FILE does not exist yet.
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const args = Object.fromEntries(
    process.argv.slice(2).reduce((a, v, i, all) => (i % 2 ? a : [...a, [v.replace(/^--/, ''), all[i + 1]]]), []));
const require = createRequire(args.modules ? args.modules + '/' : import.meta.url);
const Database = require('better-sqlite3');

const fresh = !existsSync(args.db);
const db = new Database(args.db);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
if (fresh) {
    db.exec(`CREATE TABLE users (
        id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, email TEXT, first TEXT, last TEXT,
        phone TEXT, last_login INTEGER, enabled INTEGER NOT NULL, external INTEGER NOT NULL,
        roles TEXT NOT NULL)`);
    db.exec('CREATE INDEX users_email ON users(email)');
    db.exec('CREATE INDEX users_last ON users(last, username)');
    const put = db.prepare('INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?,?)');
    const lines = readFileSync(args.users, 'utf8').split('\n').filter(l => l !== '');
    db.transaction(() => {
        for (const line of lines) {
            const f = line.split('\t').map(v => (v === '\\N' ? null : v));
            put.run(f[0], f[1], f[2], f[3], f[4], f[5], f[6] === null ? null : Number(f[6]),
                Number(f[7]), Number(f[8]), f[9]);
        }
    })();
    db.exec('ANALYZE');
}

const column = { Id: 'id', UserName: 'username', Email: 'email', FirstName: 'first', LastName: 'last', Phone: 'phone' };
const lit = "'((?:[^']|'')*)'";
const unquote = s => s.replace(/''/g, "'");
const forms = [
    [new RegExp(`^substringof\\(${lit},(\\w+)\\)$`), (m) => [`instr(${col(m[2])}, ?) > 0`, [unquote(m[1])]]],
    [new RegExp(`^tolower\\((\\w+)\\) eq ${lit}$`), (m) => [`lower(${col(m[1])}) = ?`, [unquote(m[2])]]],
    [new RegExp(`^startswith\\((\\w+),${lit}\\)$`), (m) => {
        const p = unquote(m[2]);
        // the prefix's range on the index: [p, p with its last character + 1)
        const up = p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
        return [`${col(m[1])} >= ? AND ${col(m[1])} < ?`, [p, up]];
    }],
    [new RegExp(`^(\\w+) eq ${lit}$`), (m) => [`${col(m[1])} = ?`, [unquote(m[2])]]],
];

class Refusal extends Error {}
function col(field) {
    if (!column[field]) throw new Refusal(`unknown field '${field}'`);
    return column[field];
}

const ensureUser = db.prepare(
    'INSERT INTO users (id, username, enabled, external, roles) VALUES (?, ?, 1, 0, \'\') ' +
    'ON CONFLICT(username) DO NOTHING');

const statements = new Map();
function prepared(sql) {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
}

function iso(seconds) {
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function render(base, u) {
    const self = `${base}user/${u.id}`;
    const s = JSON.stringify;
    return `{"Id":${s(u.id)},"UserName":${s(u.username)},"Email":${s(u.email)},` +
        `"FirstName":${s(u.first)},"LastName":${s(u.last)},"Phone":${s(u.phone)},` +
        `"LastLogIn":${u.last_login === null ? 'null' : s(iso(u.last_login))},` +
        `"Enabled":${u.enabled ? 'true' : 'false'},"IsExternal":${u.external ? 'true' : 'false'},` +
        `"Self":${s(self)},"Links":[` +
        `{"Href":${s(self + '/password')},"Rel":"ChangePassword"},` +
        `{"Href":${s(self + '/permissions/global')},"Rel":"GlobalPermissions"},` +
        `{"Title":"Group Memberships","Href":${s(self + '/groups')},"Rel":"Groups"},` +
        `{"Href":${s(self + '/notifications')},"Rel":"Notifications"},` +
        `{"Href":${s(self + '/permissions/projects')},"Rel":"ProjectPermissions"},` +
        `{"Href":${s(self + '/mailmessages')},"Rel":"MailMessages"}]}`;
}

function answer(query) {
    const p = new URLSearchParams(query);
    let where = '', params = [];
    if (p.has('$filter')) {
        const f = p.get('$filter');
        const form = forms.find(([re]) => re.test(f));
        if (!form) throw new Refusal('unsupported $filter');
        [where, params] = form[1](f.match(form[0]));
        where = ' WHERE ' + where;
    }
    let order = ' ORDER BY username';
    if (p.has('$orderby')) {
        const m = /^(\w+)(?: (asc|desc))?$/.exec(p.get('$orderby'));
        if (!m) throw new Refusal('unsupported $orderby');
        order = ` ORDER BY ${col(m[1])}${m[2] === 'desc' ? ' DESC' : ''}, username`;
    }
    const num = name => {
        if (!p.has(name)) return null;
        if (!/^\d+$/.test(p.get(name))) throw new Refusal(`bad ${name}`);
        return Number(p.get(name));
    };
    const top = num('$top'), skip = num('$skip') ?? 0;
    const rows = prepared(`SELECT * FROM users${where}${order} LIMIT ? OFFSET ?`)
        .all(...params, top ?? -1, skip);
    const items = '[' + rows.map(u => render(args['base-url'], u)).join(',') + ']';
    if (p.get('$inlinecount') !== 'allpages') return items;
    const total = prepared(`SELECT count(*) AS n FROM users${where}`).get(...params).n;
    return `{"Skip":${skip},"Top":${top ?? 'null'},"Total":${total},"Items":${items}}`;
}

createServer((req, res) => {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    let status = 200, body;
    try {
        if (req.method === 'GET' && path === '/ping') { // the bench's floor: no query
            body = '[]';
        } else if (req.method === 'PUT' && path.startsWith('/api/v0/users/') && path.indexOf('/', 14) < 0) {
            ensureUser.run(randomUUID(), decodeURIComponent(path.slice(14)));
            status = 204;
            body = '';
        } else if (req.method !== 'GET' || path !== '/api/users') {
            status = 404;
            body = '{"error":"not_found"}';
        } else {
            body = answer(q < 0 ? '' : req.url.slice(q + 1));
        }
    } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        status = 400;
        body = JSON.stringify({ error: 'bad_request', message: e.message });
    }
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
}).listen(Number(args.port), '127.0.0.1', () => console.log(`peer listening on ${args.port}`));
