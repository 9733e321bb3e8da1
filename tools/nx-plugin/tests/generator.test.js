'use strict';
// The generator on a virtual tree (no disk, no Python): files, names and wiring.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { createTreeWithEmptyWorkspace } = require('@nx/devkit/testing');
const { sharedActivityGenerator } = require('../src/shared-activity/generator');
const { activityNames } = require('../src/shared-activity/names');
const { insertAtMarker } = require('../src/shared-activity/wiring');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const WIRED = [
  'pyproject.toml',
  'libs/contracts/workflow_contracts/__init__.py',
  'libs/shared-activities/pyproject.toml',
  'libs/shared-activities/workflow_shared_activities/__init__.py',
  'libs/shared-activities/workflow_shared_activities/config.py',
  'libs/shared-activities/workflow_shared_activities/activity_packages.py',
];

/** A virtual workspace holding the real files the generator edits. */
function workspace() {
  const tree = createTreeWithEmptyWorkspace();
  for (const file of WIRED) tree.write(file, fs.readFileSync(path.join(ROOT, file), 'utf-8'));
  return tree;
}

test('names: a kebab name, a verb phrase and a noun', () => {
  const n = activityNames({ name: 'audit-log', activity: 'record_audit_entry' });
  assert.equal(n.dir, 'libs/audit-log');
  assert.equal(n.project, 'workflow-audit-log');
  assert.equal(n.pkg, 'workflow_audit_log');
  assert.equal(n.activityName, 'shared.record_audit_entry');
  assert.equal(n.activityConst, 'RECORD_AUDIT_ENTRY_ACTIVITY');
  assert.equal(n.className, 'RecordAuditEntryActivity');
  assert.equal(n.noun, 'Entry');
  assert.equal(activityNames({ name: 'x', activity: 'send_it', noun: 'AuditEntry' }).nounSnake, 'audit_entry');
  assert.throws(() => activityNames({ name: 'Bad_Name' }), /kebab-case/);
  assert.throws(() => activityNames({ name: 'ok', activity: 'Not-snake' }), /snake_case/);
});

test('creates the package with every part of the pattern', async () => {
  const tree = workspace();
  await sharedActivityGenerator(tree, { name: 'notices', activity: 'send_notice' });
  for (const file of [
    'pyproject.toml', 'project.json', 'README.md', 'BENCHMARKS.md',
    'workflow_notices/__init__.py', 'workflow_notices/_ports.py', 'workflow_notices/activity.py',
    'workflow_notices/adapter.py', 'workflow_notices/errors_table.py', 'workflow_notices/testing.py',
    'workflow_notices/validation.py', 'workflow_notices/py.typed',
    'tests/unit/test_activity.py', 'tests/unit/test_errors_table.py',
    'tests/conformance/test_bad_input.py', 'tests/conformance/workflows.py', 'bench/bench_notices.py',
  ]) {
    assert.ok(tree.exists(`libs/notices/${file}`), file);
  }
  const project = JSON.parse(tree.read('libs/notices/project.json', 'utf-8'));
  assert.equal(project.name, 'workflow-notices');
  assert.deepEqual(Object.keys(project.targets).sort(), ['bench', 'build', 'lint', 'lock', 'nx-release-publish', 'test', 'test-matrix', 'typecheck']);
  assert.match(project.targets.typecheck.options.command, /mypy .* workflow_notices tests bench/);
  // Releasable as the release check wants it (publishable tag, unbundled build, publish target).
  assert.ok(project.tags.includes('publishable'));
  assert.equal(project.targets.build.options.bundleLocalDependencies, false);
  assert.equal(project.targets['nx-release-publish'].executor, '@nxlv/python:publish');
  const pyproject = tree.read('libs/notices/pyproject.toml', 'utf-8') ?? '';
  assert.match(pyproject, /\[tool\.nx\.dependencies\.workflow-contracts\]/);
  // Exactly the tested Python versions (root pyproject.toml [tool.python-matrix]).
  const versions = /^\[tool\.python-matrix\]\nversions = \[(.*)\]$/m.exec(tree.read('pyproject.toml', 'utf-8') ?? '');
  assert.ok(versions, 'the root pyproject lists the tested versions');
  const listed = [...versions[1].matchAll(/"(3\.\d+)"/g)].map((m) => m[1]);
  const classifiers = [...pyproject.matchAll(/^ {4}"Programming Language :: Python :: (3[^"]*)",$/gm)].map((m) => m[1]);
  assert.deepEqual(classifiers, ['3', '3 :: Only', ...listed]);
  assert.match(pyproject, new RegExp(`^python = ">=${listed[0].replace('.', '\\.')},<4\\.0"$`, 'm'));
  const activity = tree.read('libs/notices/workflow_notices/activity.py', 'utf-8');
  assert.match(activity, /class SendNoticeActivity:/);
  assert.match(activity, /@wire_activity\(\n\s+SEND_NOTICE_ACTIVITY,/);
  const contract = tree.read('libs/contracts/workflow_contracts/notices.py', 'utf-8');
  assert.match(contract, /SEND_NOTICE_ACTIVITY = "shared.send_notice"/);
  assert.match(contract, /class InvalidNoticeError\(SharedActivityError\)/);
  assert.match(contract, /class NoticeTargetNotFoundError\(OperatorActionRequired\)/);
  assert.match(contract, /class NoticeReceipt:/);
  assert.match(contract, /async def send_notice\(/);
  // No template syntax left anywhere.
  for (const change of tree.listChanges()) {
    if (change.content) assert.doesNotMatch(change.content.toString(), /<%|%>/, change.path);
  }
});

test('wires the package into the contracts, the umbrella and the root environment', async () => {
  const tree = workspace();
  await sharedActivityGenerator(tree, { name: 'notices', activity: 'send_notice' });
  const read = (/** @type {string} */ p) => tree.read(p, 'utf-8') ?? '';
  assert.match(read('pyproject.toml'), /^workflow-notices = \{ path = "libs\/notices", develop = true \}$/m);
  const umbrellaProject = read('libs/shared-activities/pyproject.toml');
  assert.match(umbrellaProject, /^workflow-notices = \{ path = "\.\.\/notices", develop = true \}$/m);
  assert.match(umbrellaProject, /^\[tool\.nx\.dependencies\.workflow-notices\]\nrange = ">=0\.1\.0,<1\.0"$/m);
  // Every section keeps its own range line right under its header (valid TOML).
  for (const m of umbrellaProject.matchAll(/^\[tool\.nx\.dependencies\.[a-z-]+\]\n(.*)$/gm)) {
    assert.match(m[1], /^range = /);
  }
  const contracts = read('libs/contracts/workflow_contracts/__init__.py');
  assert.match(contracts, /from workflow_contracts\.notices import \* {2}# noqa: F403/);
  assert.match(contracts, /from workflow_contracts import notices as _notices/);
  assert.match(contracts, /__all__ \+= _notices\.__all__\n$/);
  const umbrella = read('libs/shared-activities/workflow_shared_activities/__init__.py');
  assert.match(umbrella, /from workflow_notices import \*/);
  assert.match(umbrella, /from workflow_contracts\.notices import \*/);
  assert.match(umbrella, /\*_notices_all,\n\s+# shared-activity-generator: exports/);
  const config = read('libs/shared-activities/workflow_shared_activities/config.py');
  assert.match(config, /notices: NoticeSettings = field\(default_factory=NoticeSettings\)/);
  const packages = read('libs/shared-activities/workflow_shared_activities/activity_packages.py');
  assert.match(packages, /self\.notices = NoticeResource\(\)/);
  assert.match(packages, /self\.notices\.open\(\n\s+config\.notices,/);
  assert.match(packages, /activities\.append\(SendNoticeActivity\(self\.notices, config\.notices\)\.run\)/);
  // Every marker survives, so the next package is wired the same way.
  assert.equal((packages.match(/# shared-activity-generator:/g) ?? []).length, 4);
});

test('two packages are wired side by side; the same one twice is refused', async () => {
  const tree = workspace();
  await sharedActivityGenerator(tree, { name: 'notices', activity: 'send_notice' });
  await sharedActivityGenerator(tree, { name: 'audit-log', activity: 'record_audit' });
  const packages = tree.read('libs/shared-activities/workflow_shared_activities/activity_packages.py', 'utf-8') ?? '';
  assert.match(packages, /NoticeResource\(\)[\s\S]*AuditResource\(\)/);
  await assert.rejects(sharedActivityGenerator(tree, { name: 'notices' }), /already exists/);
});

test('a missing marker is a clear error, and an insertion is not repeated', () => {
  assert.throws(() => insertAtMarker('x = 1\n', 'open', ['y'], 'f.py'), /marker .* not found/);
  const once = insertAtMarker('    # shared-activity-generator: open\n', 'open', ['a()'], 'f.py');
  assert.equal(insertAtMarker(once, 'open', ['a()'], 'f.py'), once);
  assert.equal(once, '    a()\n    # shared-activity-generator: open\n');
});
