'use strict';
/**
 * End to end: `nx g @workflow/nx-plugin:shared-activity` in a copy of the workspace, then the
 * generated package's lint, typecheck and tests (unit and conformance through a real worker on
 * a Temporal dev server), plus lint and typecheck of the files the generator wired it into,
 * all with the shared .venv: the generated sources are put first on PYTHONPATH / MYPYPATH.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, copyWorkspace } = require('./workspace-copy');

const VENV_BIN = path.join(ROOT, '.venv', 'bin');

/**
 * @param {string} cwd
 * @param {string} command
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
function run(cwd, command, args, env = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, PATH: `${VENV_BIN}:${process.env.PATH}`, ...env },
    encoding: 'utf-8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  console.log(`# ${command} ${args.join(' ')} (in ${path.relative(ROOT, cwd) || cwd}): ${seconds} s`);
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed:\n${output.slice(-6000)}`);
  return output;
}

test('a generated shared activity passes its lint, typecheck and tests', { timeout: 240_000 }, () => {
  assert.ok(fs.existsSync(path.join(VENV_BIN, 'python')), 'the shared .venv is missing: run the bootstrap');
  const copy = copyWorkspace();
  try {
    run(copy, 'node', [
      path.join(copy, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'),
      'g',
      '@workflow/nx-plugin:shared-activity',
      'e2e-probe',
      '--activity=record_probe',
      '--no-interactive',
    ], { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true' });
    const lib = path.join(copy, 'libs', 'e2e-probe');
    assert.ok(fs.existsSync(path.join(lib, 'workflow_e2e_probe', 'activity.py')));
    const sources = ['libs/e2e-probe', 'libs/contracts', 'libs/shared-activities']
      .map((p) => path.join(copy, p))
      .join(':');
    // The copy's sources shadow the editable installs of the original workspace.
    // mypy's cold start (temporalio, aioboto3, SQLAlchemy stubs) is most of this test's time:
    // start from a copy of the umbrella's cache when its typecheck ran first (the test
    // target depends on it); sources are rechecked by their own paths, so a copy is safe.
    const cache = path.join(copy, '.mypy_cache');
    const warm = path.join(ROOT, 'libs', 'shared-activities', '.mypy_cache');
    if (fs.existsSync(warm)) fs.cpSync(warm, cache, { recursive: true });
    const env = { PYTHONPATH: sources, MYPYPATH: sources, MYPY_CACHE_DIR: cache };
    const config = path.join(copy, 'pyproject.toml');
    run(lib, 'ruff', ['check', '.']);
    run(lib, 'ruff', ['format', '--check', '.']);
    const wired = [
      'libs/contracts/workflow_contracts/__init__.py',
      'libs/contracts/workflow_contracts/e2e_probe.py',
      'libs/shared-activities/workflow_shared_activities/__init__.py',
      'libs/shared-activities/workflow_shared_activities/config.py',
      'libs/shared-activities/workflow_shared_activities/activity_packages.py',
    ];
    run(copy, 'ruff', ['check', ...wired]);
    run(copy, 'ruff', ['format', '--check', ...wired]);
    // One mypy run (one cold cache): the package, and the files the generator wired it into.
    run(lib, 'mypy', [
      '--config-file', config,
      'workflow_e2e_probe', 'tests', 'bench',
      '../contracts/workflow_contracts',
      '../shared-activities/workflow_shared_activities/config.py',
      '../shared-activities/workflow_shared_activities/activity_packages.py',
    ], env);
    // Releasable as generated: the workspace's release check (tools/release) finds nothing,
    // nor does its check of the declared Python versions against the tested ones.
    const check = run(copy, 'python', [
      '-c',
      [
        'import sys, tomllib',
        'from pathlib import Path',
        'from workflow_release.manifests import check_release_config as c',
        'from workflow_release.python_support import check_python_support as s',
        'v = tomllib.loads(Path("pyproject.toml").read_text())["tool"]["python-matrix"]["versions"]',
        'p = c(Path(".")) + s(Path("."), v)',
        'print(p)',
        'sys.exit(1 if p else 0)',
      ].join('\n'),
    ]);
    assert.match(check, /^\[\]/m);
    const out = run(lib, 'python', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], env);
    console.log(`# generated package: ${out.trim().split('\n').pop()}`);
    assert.match(out, /\d+ passed/);
    assert.doesNotMatch(out, /failed|error/i);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});
