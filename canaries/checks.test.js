'use strict';
// node --test canaries/: the scripts' checks against a local server on 127.0.0.1, and the handler with a
// stand-in for the Synthetics runtime.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { fill, runStep, variables } = require('./checks');

const health = require('./health.json');
const auth = require('./auth.json');

// A server whose answer per path the test sets; it records what it was asked.
async function serve(routes) {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: body ? JSON.parse(body) : undefined });
      const [status, answer, headers] = routes[req.url] ?? [404, { error: 'not found' }];
      res.writeHead(status, { 'content-type': 'application/json', ...(headers ?? {}) });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${server.address().port}`, seen, close: () => server.close() };
}

async function runAll(steps, ctx) {
  const vars = { ...ctx.vars };
  const out = [];
  for (const step of steps) {
    const r = await runStep(step, { ...ctx, vars, fetch });
    out.push([step.name, r.status, r.problems]);
    Object.assign(vars, r.captured);
  }
  return out;
}

test('runbook 001: both health endpoints pass with status ok and the database connected', async () => {
  const s = await serve({
    '/api/health': [200, { status: 'ok' }],
    '/api/monitoring/health': [200, { status: 'ok', database: 'connected', pool: { size: 20 } }],
  });
  try {
    assert.deepEqual(await runAll(health.steps, { baseUrl: s.baseUrl, vars: {} }), [
      ['health', 200, []],
      ['monitoring-health', 200, []],
    ]);
  } finally {
    s.close();
  }
});

test('runbook 001: a disconnected database fails the monitoring step, saying why', async () => {
  const s = await serve({
    '/api/health': [200, { status: 'ok' }],
    '/api/monitoring/health': [503, { status: 'degraded', database: 'disconnected' }],
  });
  try {
    assert.deepEqual(await runAll(health.steps, { baseUrl: s.baseUrl, vars: {} }), [
      ['health', 200, []],
      [
        'monitoring-health',
        503,
        ['HTTP 503, expected 200', 'status is "degraded", expected "ok"', 'database is "disconnected", expected "connected"'],
      ],
    ]);
  } finally {
    s.close();
  }
});

test('runbook 004: the auth flow logs in, refreshes with the kept token and reads its own user', async () => {
  const s = await serve({
    '/auth/v1/token?grant_type=password': [200, { token_type: 'bearer', access_token: 'a1', refresh_token: 'r1' }],
    '/auth/v1/token?grant_type=refresh_token': [200, { token_type: 'bearer', access_token: 'a2' }],
    '/auth/v1/user': [200, { email: 'canary@flashfusion.co' }],
  });
  const vars = { SUPABASE_ANON_KEY: 'anon', CANARY_EMAIL: 'canary@flashfusion.co', CANARY_PASSWORD: 'pw' };
  try {
    assert.deepEqual(await runAll(auth.steps, { baseUrl: s.baseUrl, vars }), [
      ['login', 200, []],
      ['token-refresh', 200, []],
      ['user', 200, []],
    ]);
    assert.deepEqual(s.seen[0].body, { email: 'canary@flashfusion.co', password: 'pw' });
    assert.equal(s.seen[0].headers.apikey, 'anon');
    assert.deepEqual(s.seen[1].body, { refresh_token: 'r1' });
    assert.equal(s.seen[2].headers.authorization, 'Bearer a2'); // the refreshed token, not the first
  } finally {
    s.close();
  }
});

test('a redirect is not followed and another origin is never asked', async () => {
  const s = await serve({ '/api/health': [302, {}, { location: 'https://elsewhere.example/' }] });
  try {
    const redirected = await runStep(health.steps[0], { baseUrl: s.baseUrl, vars: {}, fetch });
    assert.deepEqual(redirected.problems, ['HTTP 302, expected 200', 'status is undefined, expected "ok"']);
    const away = await runStep({ name: 'x', path: 'https://elsewhere.example/x' }, { baseUrl: s.baseUrl, vars: {}, fetch });
    assert.deepEqual(away.problems, [`https://elsewhere.example is not the canary's origin ${s.baseUrl}`]);
    assert.equal(s.seen.length, 1);
  } finally {
    s.close();
  }
});

test('steps read only the variables the program lists, never the Lambda credentials', () => {
  const env = { CANARY_VARS: 'CANARY_EMAIL,BASE_URL', CANARY_EMAIL: 'c@x.co', BASE_URL: 'https://x', AWS_SECRET_ACCESS_KEY: 's' };
  assert.deepEqual(variables(env), { CANARY_EMAIL: 'c@x.co', BASE_URL: 'https://x' });
  assert.throws(() => fill('{{AWS_SECRET_ACCESS_KEY}}', variables(env)), /\{\{AWS_SECRET_ACCESS_KEY\}\} is not a variable/);
});

test('the handler runs each step as a Synthetics step and fails the run on the first bad one', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-'));
  const stub = path.join(dir, 'node_modules', '@aws', 'synthetics-puppeteer');
  fs.mkdirSync(stub, { recursive: true });
  fs.writeFileSync(
    path.join(stub, 'index.js'),
    'exports.steps = []; exports.executeStep = async (name, fn) => { exports.steps.push(name); return fn(); };',
  );
  // the archive the program builds: handler as index.js, checks.js, the script as script.json
  fs.copyFileSync(path.join(__dirname, 'handler.js'), path.join(dir, 'index.js'));
  fs.copyFileSync(path.join(__dirname, 'checks.js'), path.join(dir, 'checks.js'));
  fs.copyFileSync(path.join(__dirname, 'health.json'), path.join(dir, 'script.json'));
  const s = await serve({
    '/api/health': [200, { status: 'ok' }],
    '/api/monitoring/health': [200, { status: 'ok', database: 'disconnected' }],
  });
  process.env.BASE_URL = s.baseUrl;
  process.env.CANARY_VARS = '';
  try {
    const { handler } = require(path.join(dir, 'index.js'));
    await assert.rejects(handler(), /monitoring-health: database is "disconnected", expected "connected"/);
    assert.deepEqual(require(stub).steps, ['health', 'monitoring-health']);
  } finally {
    s.close();
    delete process.env.BASE_URL;
    delete process.env.CANARY_VARS;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
