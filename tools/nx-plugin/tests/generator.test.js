'use strict';
// The generator on a virtual tree (no disk, no Python): files, names and wiring.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { createTreeWithEmptyWorkspace } = require('@nx/devkit/testing');
const { sharedActivityGenerator } = require('../src/shared-activity/generator');
const { activityNames } = require('../src/shared-activity/names');
const { insertAtMarker, packageField, packageImport } = require('../src/shared-activity/wiring');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CONFIG = 'libs/shared-activities/workflow_shared_activities/_config.py';
// The shared files the generator may edit (everything else it writes is new).
const WIRED = ['pyproject.toml', 'libs/shared-activities/pyproject.toml', CONFIG];
/** The package's files, relative to libs/notices (the shape every shared package has). */
const SHAPE = [
  'BENCHMARKS.md', 'README.md', 'bench/bench_notices.py', 'project.json', 'pyproject.toml',
  'tests/__init__.py', 'tests/conformance/__init__.py', 'tests/conformance/test_bad_input.py',
  'tests/conformance/test_package.py', 'tests/conformance/workflows.py', 'tests/test_public_api.py',
  'tests/unit/__init__.py', 'tests/unit/test_activity.py', 'tests/unit/test_placeholder_errors.py',
  'tests/unit/test_resource.py', 'tests/unit/test_telemetry.py',
  'workflow_notices/__init__.py', 'workflow_notices/_activity.py', 'workflow_notices/_package.py',
  'workflow_notices/_placeholder.py', 'workflow_notices/_placeholder_errors.py',
  'workflow_notices/_port.py', 'workflow_notices/_resource.py', 'workflow_notices/_settings.py',
  'workflow_notices/_telemetry.py', 'workflow_notices/py.typed', 'workflow_notices/testing.py',
];

/**
 * Every file of a virtual tree with its content.
 * @param {import('@nx/devkit').Tree} tree
 * @returns {Map<string, string>}
 */
function snapshot(tree) {
  return new Map(tree.listChanges().map((c) => [c.path, c.content?.toString() ?? '']));
}

/**
 * What the generator did to the tree: files created, and files changed.
 * @param {Map<string, string>} before
 * @param {import('@nx/devkit').Tree} tree
 */
function changes(before, tree) {
  const after = snapshot(tree);
  const created = [...after.keys()].filter((p) => !before.has(p)).sort();
  const updated = [...after.keys()].filter((p) => before.has(p) && before.get(p) !== after.get(p)).sort();
  return { created, updated };
}

// Read, not edited: the versions the new library's published ranges start from.
const READ = ['libs/contracts/pyproject.toml', 'libs/activity-kit/pyproject.toml'];

/** A virtual workspace holding the real files the generator edits or reads. */
function workspace() {
  const tree = createTreeWithEmptyWorkspace();
  for (const file of [...WIRED, ...READ]) {
    tree.write(file, fs.readFileSync(path.join(ROOT, file), 'utf-8'));
  }
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
  const before = snapshot(tree);
  await sharedActivityGenerator(tree, { name: 'notices', activity: 'send_notice' });
  const { created } = changes(before, tree);
  const inPackage = created.filter((p) => p.startsWith('libs/notices/'));
  assert.deepEqual(inPackage.map((p) => p.slice('libs/notices/'.length)).sort(), [...SHAPE].sort());
  // Outside the package, only its contracts module (what workflows import) is new.
  assert.deepEqual(
    created.filter((p) => !p.startsWith('libs/notices/')),
    ['libs/contracts/workflow_contracts/notices.py'],
  );
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
  // Ranges from the dependencies' current versions up to their next major.
  const contracts = /^version = "(\d+)\.(\d+\.\d+)"$/m.exec(fs.readFileSync(path.join(ROOT, READ[0]), 'utf-8'));
  assert.ok(contracts);
  const range = `>=${contracts[1]}.${contracts[2]},<${Number(contracts[1]) + 1}.0`;
  assert.ok(pyproject.includes(`[tool.nx.dependencies.workflow-contracts]\nrange = "${range}"`), pyproject);
  // Exactly the tested Python versions (root pyproject.toml [tool.python-matrix]).
  const versions = /^\[tool\.python-matrix\]\nversions = \[(.*)\]$/m.exec(tree.read('pyproject.toml', 'utf-8') ?? '');
  assert.ok(versions, 'the root pyproject lists the tested versions');
  const listed = [...versions[1].matchAll(/"(3\.\d+)"/g)].map((m) => m[1]);
  const classifiers = [...pyproject.matchAll(/^ {4}"Programming Language :: Python :: (3[^"]*)",$/gm)].map((m) => m[1]);
  assert.deepEqual(classifiers, ['3', '3 :: Only', ...listed]);
  assert.match(pyproject, new RegExp(`^python = ">=${listed[0].replace('.', '\\.')},<4\\.0"$`, 'm'));
  const face = tree.read('libs/notices/workflow_notices/__init__.py', 'utf-8') ?? '';
  const all = [...(/__all__ = \[([^\]]*)\]/.exec(face)?.[1] ?? '').matchAll(/"(\w+)"/g)].map((m) => m[1]);
  assert.ok(all.length > 0 && all.length <= 12, `__all__ has ${all.length} names`);
  assert.ok(all.includes('NOTICES') && all.includes('NoticeSettings') && all.includes('NoticeResource'));
  const pkg = tree.read('libs/notices/workflow_notices/_package.py', 'utf-8') ?? '';
  assert.match(pkg, /^NOTICES: ActivityPackage\[NoticeSettings, NoticeResource\] = ActivityPackage\($/m);
  // The composition contract's import path, once per module (one sed moves it).
  for (const change of tree.listChanges()) {
    const text = change.content?.toString() ?? '';
    assert.ok((text.match(/^from workflow_activity_kit import/gm) ?? []).length <= 1, change.path);
  }
  const activity = tree.read('libs/notices/workflow_notices/_activity.py', 'utf-8');
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

test('wires only the package list line, its import and the dependency declarations', async () => {
  const tree = workspace();
  const before = snapshot(tree);
  await sharedActivityGenerator(tree, { name: 'notices', activity: 'send_notice' });
  const read = (/** @type {string} */ p) => tree.read(p, 'utf-8') ?? '';
  assert.deepEqual(changes(before, tree).updated, [...WIRED].sort());
  assert.match(read('pyproject.toml'), /^workflow-notices = \{ path = "libs\/notices", develop = true \}$/m);
  const umbrellaProject = read('libs/shared-activities/pyproject.toml');
  assert.match(umbrellaProject, /^workflow-notices = \{ path = "\.\.\/notices", develop = true \}$/m);
  assert.match(umbrellaProject, /^\[tool\.nx\.dependencies\.workflow-notices\]\nrange = ">=0\.1\.0,<1\.0"$/m);
  // Every section keeps its own range line right under its header (valid TOML).
  for (const m of umbrellaProject.matchAll(/^\[tool\.nx\.dependencies\.[a-z-]+\]\n(.*)$/gm)) {
    assert.match(m[1], /^range = /);
  }
  // config.py: exactly two added lines, nothing removed, the field at the package list's end.
  const added = read(CONFIG).split('\n');
  const removed = (before.get(CONFIG) ?? '').split('\n');
  for (const line of removed) {
    const i = added.indexOf(line);
    assert.ok(i >= 0, `config.py lost ${JSON.stringify(line)}`);
    added.splice(i, 1);
  }
  assert.deepEqual(added, [
    'from workflow_notices import NOTICES, NoticeSettings',
    '    notices: Annotated[NoticeSettings, NOTICES] = field(default_factory=NoticeSettings)',
  ]);
  assert.match(read(CONFIG), /^ {4}notices: .*\n {4}# shared-activity-generator: packages$/m);
  const n = activityNames({ name: 'notices', activity: 'send_notice' });
  assert.equal(packageImport(n), added[0]);
  assert.equal(`    ${packageField(n)}`, added[1]);
});

test('two packages are wired side by side; the same one twice is refused', async () => {
  const tree = workspace();
  await sharedActivityGenerator(tree, { name: 'notices', activity: 'send_notice' });
  await sharedActivityGenerator(tree, { name: 'audit-log', activity: 'record_audit' });
  const config = tree.read(CONFIG, 'utf-8') ?? '';
  // Listed in the order generated: the order their clients open.
  assert.match(config, /notices: Annotated\[NoticeSettings, NOTICES\][^\n]*\n\s+audit_log: Annotated\[AuditSettings, AUDIT_LOG\]/);
  assert.equal((config.match(/# shared-activity-generator:/g) ?? []).length, 2);
  await assert.rejects(sharedActivityGenerator(tree, { name: 'notices' }), /already exists/);
});

test('a missing marker is a clear error, and an insertion is not repeated', () => {
  assert.throws(() => insertAtMarker('x = 1\n', 'open', ['y'], 'f.py'), /marker .* not found/);
  const once = insertAtMarker('    # shared-activity-generator: open\n', 'open', ['a()'], 'f.py');
  assert.equal(insertAtMarker(once, 'open', ['a()'], 'f.py'), once);
  assert.equal(once, '    a()\n    # shared-activity-generator: open\n');
});
