'use strict';
// The golden paths' check logic, free of the Synthetics runtime so node's test runner can run it
// against a local server (checks.test.js). A script is {runbook, notes, steps}; each step is one
// request and what its answer must hold. "{{NAME}}" in a path, header or body is one of the
// canary's variables: those the stack file gives it (CANARY_VARS), then what earlier steps captured.

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

function fill(value, vars) {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_, name) => {
      if (!(name in vars)) throw new Error(`{{${name}}} is not a variable of this canary`);
      return vars[name];
    });
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  }
  return value;
}

function get(body, path) {
  return path.split('.').reduce((at, key) => (at == null ? undefined : at[key]), body);
}

// What is wrong with an answer, in words; empty when the step passed.
function check(step, status, body) {
  const problems = [];
  const expected = step.expectStatus ?? 200;
  if (status !== expected) problems.push(`HTTP ${status}, expected ${expected}`);
  for (const [path, want] of Object.entries(step.expectJson ?? {})) {
    const got = body === undefined ? undefined : get(body, path);
    if (got !== want) problems.push(`${path} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  for (const [name, path] of Object.entries(step.capture ?? {})) {
    if (body === undefined || get(body, path) === undefined) problems.push(`no ${path} to keep as ${name}`);
  }
  return problems;
}

// Runs one step against baseUrl and says what went wrong; never follows a redirect or leaves the origin.
async function runStep(step, { baseUrl, vars, fetch, timeoutMs = 10000 }) {
  const base = new URL(baseUrl);
  const url = new URL(fill(step.path, vars), base);
  if (url.origin !== base.origin) {
    return { status: 0, problems: [`${url.origin} is not the canary's origin ${base.origin}`], captured: {} };
  }
  const headers = { accept: 'application/json', ...fill(step.headers ?? {}, vars) };
  const init = { method: step.method ?? 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) };
  if (step.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(fill(step.body, vars));
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return { status: 0, problems: [`no answer from ${url.origin}: ${error.message}`], captured: {} };
  }
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const problems = check({ ...step, expectJson: fill(step.expectJson ?? {}, vars) }, response.status, body);
  const captured = problems.length
    ? {}
    : Object.fromEntries(Object.entries(step.capture ?? {}).map(([name, path]) => [name, String(get(body, path))]));
  return { status: response.status, problems, captured };
}

// The variables a canary's steps may read: only the names the program lists in CANARY_VARS, never the
// rest of the environment (a Lambda's holds its own AWS credentials).
function variables(env) {
  const names = (env.CANARY_VARS ?? '').split(',').filter(Boolean);
  return Object.fromEntries(names.filter((n) => n in env).map((n) => [n, env[n]]));
}

module.exports = { fill, check, runStep, variables };
