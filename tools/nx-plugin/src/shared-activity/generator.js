'use strict';
/**
 * `nx g @workflow/nx-plugin:shared-activity <name> [--activity verb_noun] [--noun Noun]`:
 * a shared activity package in libs/<name> (its `ActivityPackage`, settings, resource, activity,
 * port, placeholder adapter, telemetry, fake, tests), the workflow-facing contracts module in
 * workflow_contracts, and one line in the umbrella's package list (plus dependency declarations).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { generateFiles, joinPathFragments } = require('@nx/devkit');
const { activityNames } = require('./names');
const { wire } = require('./wiring');

/**
 * @param {import('@nx/devkit').Tree} tree
 * @param {{name: string, activity?: string, noun?: string}} options
 */
async function sharedActivityGenerator(tree, options) {
  const n = activityNames(options);
  if (tree.exists(n.dir)) throw new Error(`${n.dir} already exists`);
  const contractPath = `libs/contracts/workflow_contracts/${n.contractModule}.py`;
  if (tree.exists(contractPath)) throw new Error(`${contractPath} already exists`);
  generateFiles(tree, path.join(__dirname, 'files', 'lib'), n.dir, {
    ...n,
    ...pythonSupport(tree),
    contractsRange: publishedRange(tree, 'libs/contracts'),
    kitRange: publishedRange(tree, 'libs/activity-kit'),
  });
  generateFiles(tree, path.join(__dirname, 'files', 'contracts'), 'libs/contracts', n);
  wire(tree, n);
  return () => {
    formatPython(tree.root, [
      n.dir,
      `libs/contracts/workflow_contracts/${n.contractModule}.py`,
      'libs/shared-activities/workflow_shared_activities/_config.py',
    ]);
    // Locks need the network: the generator leaves them to the developer (and CI's copy
    // of the workspace runs the package's checks with the shared .venv instead).
    console.log(
      [
        `\n${n.project} created in ${n.dir}. Next:`,
        `  (cd ${n.dir} && flock /tmp/ws-poetry.lock poetry lock)`,
        `  flock /tmp/ws-poetry.lock poetry lock && flock /tmp/ws-poetry.lock poetry sync`,
        `  pnpm nx run-many -t lint typecheck test -p ${n.project} workflow-contracts workflow-shared-activities`,
        `Then replace the placeholder backend (${joinPathFragments(n.dir, n.pkg, '_placeholder.py')} and`,
        `_placeholder_errors.py) with the real one's _<backend>.py and _<backend>_errors.py.`,
      ].join('\n'),
    );
  };
}

/**
 * The tested Python versions (root pyproject.toml `[tool.python-matrix] versions`, lowest
 * first): the new library declares exactly those, as the release check wants.
 * @param {import('@nx/devkit').Tree} tree
 */
/**
 * The range a new library declares for a workspace library: from its current version up to
 * its next major (docs/releasing.md), e.g. ">=1.0.0,<2.0".
 */
function publishedRange(tree, dir) {
  const manifest = tree.read(`${dir}/pyproject.toml`, 'utf-8') ?? '';
  const poetry = manifest.split(/^\[tool\.poetry\]\s*$/m)[1] ?? '';
  const found = /^version\s*=\s*"(\d+)\.(\d+)\.(\d+)[^"]*"/m.exec(poetry);
  if (!found) throw new Error(`${dir}/pyproject.toml: [tool.poetry] version not found`);
  return `>=${found[1]}.${found[2]}.${found[3]},<${Number(found[1]) + 1}.0`;
}

function pythonSupport(tree) {
  const root = tree.read('pyproject.toml', 'utf-8') ?? '';
  const table = root.split(/^\[tool\.python-matrix\]\s*$/m)[1] ?? '';
  const listed = /^versions\s*=\s*\[([^\]]*)\]/m.exec(table.split(/^\[/m)[0]);
  const versions = listed ? [...listed[1].matchAll(/"(3\.\d+)"/g)].map((m) => m[1]) : [];
  if (versions.length === 0) {
    throw new Error('pyproject.toml: [tool.python-matrix] versions not found (the tested Python versions)');
  }
  const prefix = 'Programming Language :: Python';
  return {
    lowestPython: versions[0],
    pythonClassifiers: [`${prefix} :: 3`, `${prefix} :: 3 :: Only`, ...versions.map((v) => `${prefix} :: ${v}`)],
  };
}

/**
 * Sorts imports and formats the written Python with the workspace's ruff (its import order
 * depends on the names chosen, so templates cannot fix it); skipped with a hint without ruff.
 * @param {string} root
 * @param {string[]} paths
 */
function formatPython(root, paths) {
  const venvRuff = path.join(root, '.venv', 'bin', 'ruff');
  const ruff = fs.existsSync(venvRuff) ? venvRuff : 'ruff';
  for (const args of [['check', '--fix', '--select', 'I,RUF022', '--quiet'], ['format', '--quiet']]) {
    const result = spawnSync(ruff, [...args, ...paths], { cwd: root, encoding: 'utf-8' });
    if (result.error || result.status !== 0) {
      console.warn(`ruff ${args[0]} did not run cleanly: run it on ${paths.join(' ')}`);
      return;
    }
  }
}

module.exports = { sharedActivityGenerator, default: sharedActivityGenerator };
