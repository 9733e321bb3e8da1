'use strict';
/**
 * End to end: `nx g @workflow/nx-plugin:shared-activity` in a copy of the workspace, then: the
 * generated tree is exactly the package shape, the umbrella's diff is the package's one line
 * (and its import), and the generated package's lint, typecheck and tests pass (unit, and
 * conformance through a real worker on a Temporal dev server), plus a worker built with
 * `SharedActivitiesPlugin` that serves the new activity, all with the shared .venv: the
 * generated sources are put first on PYTHONPATH / MYPYPATH.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, copyWorkspace } = require('./workspace-copy');

/** Every file of the generated package (libs/e2e-probe), the shape every shared package has. */
const SHAPE = [
  'BENCHMARKS.md',
  'README.md',
  'bench/bench_e2e_probe.py',
  'project.json',
  'pyproject.toml',
  'tests/__init__.py',
  'tests/conformance/__init__.py',
  'tests/conformance/test_bad_input.py',
  'tests/conformance/test_package.py',
  'tests/conformance/workflows.py',
  'tests/test_public_api.py',
  'tests/unit/__init__.py',
  'tests/unit/test_activity.py',
  'tests/unit/test_placeholder_errors.py',
  'tests/unit/test_resource.py',
  'tests/unit/test_telemetry.py',
  'workflow_e2e_probe/__init__.py',
  'workflow_e2e_probe/_activity.py',
  'workflow_e2e_probe/_package.py',
  'workflow_e2e_probe/_placeholder.py',
  'workflow_e2e_probe/_placeholder_errors.py',
  'workflow_e2e_probe/_port.py',
  'workflow_e2e_probe/_resource.py',
  'workflow_e2e_probe/_settings.py',
  'workflow_e2e_probe/_telemetry.py',
  'workflow_e2e_probe/py.typed',
  'workflow_e2e_probe/testing.py',
];
const CONFIG = 'libs/shared-activities/workflow_shared_activities/_config.py';

/** @param {string} dir @returns {string[]} every file under dir, relative, sorted */
const walk = (dir) =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();

/**
 * Lines of `after` not in `before`, and lines of `before` not in `after` (as multisets).
 * @param {string} before @param {string} after
 */
function lineDiff(before, after) {
  const removed = before.split('\n');
  const added = [];
  for (const line of after.split('\n')) {
    const i = removed.indexOf(line);
    if (i >= 0) removed.splice(i, 1);
    else added.push(line);
  }
  return { added, removed };
}

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
    assert.deepEqual(walk(lib), SHAPE);
    // The umbrella: its package list gains the package's line, and its import; nothing else.
    const config = lineDiff(
      fs.readFileSync(path.join(ROOT, CONFIG), 'utf-8'),
      fs.readFileSync(path.join(copy, CONFIG), 'utf-8'),
    );
    assert.deepEqual(config, {
      added: [
        'from workflow_e2e_probe import E2E_PROBE, ProbeSettings',
        '    e2e_probe: Annotated[ProbeSettings, E2E_PROBE] = field(default_factory=ProbeSettings)',
      ],
      removed: [],
    });
    const umbrellaInit = 'libs/shared-activities/workflow_shared_activities/__init__.py';
    assert.equal(
      fs.readFileSync(path.join(copy, umbrellaInit), 'utf-8'),
      fs.readFileSync(path.join(ROOT, umbrellaInit), 'utf-8'),
    );
    // A worker built with the plugin from that configuration: added to the generated
    // package's tests in this copy only (one pytest session, one dev server).
    const plugin = path.join(__dirname, 'plugin-worker');
    for (const name of ['e2e_probe_workflow', 'test_e2e_probe_plugin']) {
      const text = fs
        .readFileSync(path.join(plugin, `${name}.py.txt`), 'utf-8')
        .replace('from tests.e2e_probe_workflow', 'from tests.conformance.e2e_probe_workflow');
      fs.writeFileSync(path.join(lib, 'tests', 'conformance', `${name}.py`), text);
    }
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
    const mypyConfig = path.join(copy, 'pyproject.toml');
    run(lib, 'ruff', ['check', '.']);
    run(lib, 'ruff', ['format', '--check', '.']);
    const wired = ['libs/contracts/workflow_contracts/e2e_probe.py', CONFIG];
    run(copy, 'ruff', ['check', ...wired]);
    run(copy, 'ruff', ['format', '--check', ...wired]);
    // One mypy run (one cold cache): the package, and the files the generator wired it into.
    run(lib, 'mypy', [
      '--config-file', mypyConfig,
      'workflow_e2e_probe', 'tests', 'bench',
      '../contracts/workflow_contracts',
      '../shared-activities/workflow_shared_activities/_config.py',
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
    const out = run(lib, 'python', ['-m', 'pytest', '-q', '-rA', '--color=no', '-p', 'no:cacheprovider'], env);
    const summary = out.trim().split('\n').pop() ?? '';
    console.log(`# generated package: ${summary}`);
    assert.match(summary, /\d+ passed/);
    assert.doesNotMatch(summary, /failed|error/i);
    // Through real workers: the package composed as the plugin does, and the plugin itself.
    for (const passed of [
      'tests/conformance/test_package.py::test_the_composed_package_serves_its_activity_through_a_real_worker',
      'tests/conformance/test_e2e_probe_plugin.py::test_a_plugin_worker_serves_the_new_activity',
      'tests/test_public_api.py::test_the_face_is_the_package_and_what_a_user_needs',
    ]) {
      const listed = out.split('\n').filter((l) => l.startsWith('PASSED'));
      assert.ok(out.includes(`PASSED ${passed}`), `${passed} did not pass:\n${listed.join('\n')}`);
    }
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});
