// The Swagger page in a real browser (make browser-check): starts nginx with
// the module and examples/swagger.conf, loads the page in headless Chromium
// (playwright-core), checks that every operation of the API's description is
// listed (and nothing else), then does what an integrator does on
// GET v0/users: "Try it out", "Execute", and reads the answer the page shows
// (200 and a JSON body naming the users made before). Saves a screenshot.
//
//   MTT_NGINX=/usr/sbin/nginx MTT_MODULE=build/ngx_http_mytimetable_module.so \
//   MTT_SWAGGER=build/swagger MTT_OUT=build/browser MTT_NPM_DIR=build/browser/npm \
//   [MTT_CHROMIUM=/usr/bin/chromium] [MTT_PORT=N] node t/browser/swagger.mjs
//
// MTT_SWAGGER holds node_modules/swagger-ui-dist (make swagger installs it);
// MTT_OUT receives the nginx prefix (run/) and swagger.png. Prints one line
// per check ("ok ..." / "not ok ..."); exits 1 when one fails.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = name => {
  if (!process.env[name]) { console.error(`swagger.mjs: set ${name}`); process.exit(2); }
  return resolve(process.env[name]);
};
const nginx = process.env.MTT_NGINX || '/usr/sbin/nginx';
const module = env('MTT_MODULE');
const swagger = env('MTT_SWAGGER');
const out = env('MTT_OUT');
const chromiumPath = process.env.MTT_CHROMIUM || '/usr/bin/chromium';
const require = createRequire(`${env('MTT_NPM_DIR')}/node_modules/`);
const { chromium } = require('playwright-core');

let failures = 0;
const check = (ok, what, detail) => {
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}${!ok && detail ? `: ${detail}` : ''}`);
  if (!ok) failures++;
  return ok;
};

const freePort = () => new Promise((res, rej) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  s.on('error', rej);
});
const sleep = ms => new Promise(r => setTimeout(r, ms));

// ---- nginx with the example's configuration, on a free port
const port = Number(process.env.MTT_PORT) || await freePort();
const base = `http://127.0.0.1:${port}`;
const prefix = join(out, 'run');
rmSync(prefix, { recursive: true, force: true });
mkdirSync(join(prefix, 'logs'), { recursive: true });
if (!existsSync(join(swagger, 'node_modules/swagger-ui-dist/index.html'))) {
  console.error(`swagger.mjs: no swagger-ui-dist in ${swagger}/node_modules (make swagger installs it)`);
  process.exit(2);
}
symlinkSync(join(swagger, 'node_modules'), join(prefix, 'node_modules'));
const example = readFileSync(join(root, 'examples/swagger.conf'), 'utf8');
const conf = example.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`);
if (!check(conf !== example, 'examples/swagger.conf listens on 127.0.0.1:8080 (replaced by a free port)')) process.exit(1);
writeFileSync(join(prefix, 'nginx.conf'), conf);

let stderr = '';
const server = spawn(nginx, ['-p', `${prefix}/`, '-c', join(prefix, 'nginx.conf'),
  '-g', `daemon off; load_module ${module};`], {
  stdio: ['ignore', 'ignore', 'pipe'],
  // a sanitized module (SANITIZE=1) needs its runtime preloaded, as in t/
  env: process.env.TEST_NGINX_LD_PRELOAD ? { ...process.env, LD_PRELOAD: process.env.TEST_NGINX_LD_PRELOAD } : process.env,
});
server.stderr.on('data', d => { stderr += d; });
let exited = false;
server.on('exit', () => { exited = true; });

async function stop() {
  if (!exited) {
    server.kill('SIGQUIT');
    for (let i = 0; i < 100 && !exited; i++) await sleep(50);
    if (!exited) server.kill('SIGKILL');
  }
}

let browser;
try {
  let up = false;
  for (let i = 0; i < 100 && !up && !exited; i++) {
    try { up = (await fetch(`${base}/api/openapi.json`)).ok; } catch { await sleep(100); }
  }
  if (!check(up, `nginx serves ${base}/api/openapi.json`, stderr.slice(-2000))) throw new Error('no nginx');
  const description = await (await fetch(`${base}/api/openapi.json`)).json();

  // users for the page to list
  for (const name of ['alice', 'bob']) {
    const r = await fetch(`${base}/api/v0/users/${name}`, { method: 'PUT' });
    check(r.status === 201 || r.status === 204, `PUT v0/users/${name} made the user`, `answered ${r.status}`);
  }

  // ---- the page
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  page.on('pageerror', e => pageErrors.push(e.message));
  page.on('console', m => { if (m.type() === 'error') pageErrors.push(m.text()); });
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.locator('.opblock').first().waitFor({ timeout: 30000 });
  const title = (await page.locator('.info .title').first().textContent()) || '';
  check(title.includes(description.info.title), `the page shows the description's title "${description.info.title}"`, title);

  const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
  const described = [];
  for (const [path, item] of Object.entries(description.paths))
    for (const m of methods) if (item[m]) described.push(`${m.toUpperCase()} ${path}`);
  const listed = await page.$$eval('.opblock', blocks => blocks.map(b =>
    `${b.querySelector('.opblock-summary-method')?.textContent.trim()} ${b.querySelector('[data-path]')?.getAttribute('data-path')}`));
  const missing = described.filter(o => !listed.includes(o));
  const extra = listed.filter(o => !described.includes(o));
  check(missing.length === 0 && extra.length === 0 && listed.length === described.length,
    `the page lists the ${described.length} operations of the description, and only them`,
    `missing: ${missing.join(', ') || 'none'}; not described: ${extra.join(', ') || 'none'}; listed ${listed.length}`);

  // ---- try GET v0/users
  const op = page.locator('.opblock.opblock-get').filter({ has: page.locator('[data-path="/v0/users"]') });
  check(await op.count() === 1, 'one block for GET /v0/users');
  await op.locator('.opblock-summary-control').click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  await op.getByRole('button', { name: 'Execute' }).click();
  const live = op.locator('.live-responses-table tbody tr.response');
  await live.first().waitFor({ timeout: 30000 });
  const status = (await live.first().locator('td.response-col_status').textContent()).trim();
  const url = ((await op.locator('.request-url pre').textContent()) || '').trim();
  check(url === `${base}/api/v0/users`, 'the page sent GET to the API below the location', url);
  check(status === '200', 'the page shows the answer 200', status);
  const bodyText = (await live.first().locator('.response-col_description .highlight-code pre').first().textContent()) || '';
  let body;
  try { body = JSON.parse(bodyText); } catch { body = undefined; }
  check(body && Array.isArray(body.users) && body.users.join(',') === 'alice,bob',
    'the page shows the JSON body {"users":["alice","bob"]}', bodyText.slice(0, 500));
  const headers = (await live.first().locator('.response-col_description').textContent()) || '';
  check(/content-type:\s*application\/json/i.test(headers), 'the page shows the Content-Type application/json', headers.slice(0, 500));

  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, 'swagger.png'), fullPage: true });
  await op.screenshot({ path: join(out, 'swagger-try.png') });
  console.log(`screenshots: ${join(out, 'swagger.png')} (the page), ${join(out, 'swagger-try.png')} (GET v0/users tried)`);
  check(pageErrors.length === 0, 'the page logged no error', pageErrors.join(' | '));
} catch (e) {
  check(false, 'the browser check ran to its end', e.stack || String(e));
} finally {
  if (browser) await browser.close();
  await stop();
}
check(!/\[(alert|crit|emerg)\]/.test(stderr), 'no alert in the error log', stderr.slice(-2000));
console.log(failures ? `browser: ${failures} check(s) failed` : 'browser: the Swagger page lists the API and tries GET v0/users');
process.exit(failures ? 1 : 0);
