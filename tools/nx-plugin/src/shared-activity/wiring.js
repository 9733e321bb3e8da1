'use strict';
/**
 * Edits of shared files: each inserts lines just before a `shared-activity-generator: <slot>`
 * marker comment (or after a known anchor), once. Small and idempotent, so files other people
 * edit at the same time are touched only where the marker is.
 */

/**
 * @param {import('@nx/devkit').Tree} tree
 * @param {string} path
 * @param {(text: string) => string} edit
 */
function update(tree, path, edit) {
  const before = tree.read(path, 'utf-8');
  if (before === null) throw new Error(`${path} not found: is this the workflow workspace?`);
  const after = edit(before);
  if (after !== before) tree.write(path, after);
}

/**
 * Inserts `lines` before the marker line of `slot`, indented like the marker; skipped when the
 * same block is already there.
 * @param {string} text
 * @param {string} slot
 * @param {string[]} lines
 * @param {string} path (for the error message)
 */
function insertAtMarker(text, slot, lines, path) {
  const re = new RegExp(`^([ \\t]*)# shared-activity-generator: ${slot}\\b.*$`, 'm');
  const match = re.exec(text);
  if (!match) throw new Error(`${path}: marker "# shared-activity-generator: ${slot}" not found`);
  const indent = match[1];
  const block = lines.map((l) => (l ? indent + l : l)).join('\n') + '\n';
  if (text.includes(block)) return text;
  return text.slice(0, match.index) + block + text.slice(match.index);
}

/**
 * Inserts `line` after the last line matching `anchor`; skipped when already present.
 * @param {string} text
 * @param {RegExp} anchor (multiline, global)
 * @param {string} line
 * @param {string} path
 */
function insertAfterLast(text, anchor, line, path) {
  if (text.includes(line)) return text;
  let last = null;
  for (const m of text.matchAll(anchor)) last = m;
  if (!last || last.index === undefined) throw new Error(`${path}: anchor ${anchor} not found`);
  const end = text.indexOf('\n', last.index + last[0].length) + 1;
  return text.slice(0, end) + line + '\n' + text.slice(end);
}

/**
 * Wires the package in: one field in the umbrella's package list (and its import), and the
 * dependency declarations (the umbrella's path dependency and Nx range, the root environment's
 * path dependency). Nothing else: the umbrella composes packages from that list alone.
 * @param {import('@nx/devkit').Tree} tree
 * @param {ReturnType<import('./names').activityNames>} n
 */
function wire(tree, n) {
  const umbrella = 'libs/shared-activities';
  update(tree, `${umbrella}/pyproject.toml`, (t) => {
    t = insertAfterLast(
      t,
      /^workflow-[a-z-]+ = \{ path = "\.\.\/[a-z-]+", develop = true \}$/gm,
      `${n.project} = { path = "../${n.name}", develop = true }`,
      `${umbrella}/pyproject.toml`,
    );
    // Its published range (see docs/releasing.md, "What a new library needs"), after the others.
    const section = `[tool.nx.dependencies.${n.project}]`;
    if (t.includes(section)) return t;
    return insertAfterLast(
      t,
      /^\[tool\.nx\.dependencies\.[a-z-]+\]\nrange = ".*"$/gm,
      `\n${section}\nrange = ">=0.1.0,<1.0"`,
      `${umbrella}/pyproject.toml`,
    );
  });
  update(tree, 'pyproject.toml', (t) =>
    insertAfterLast(
      t,
      /^workflow-[a-z-]+ = \{ path = "libs\/[a-z-]+", develop = true \}$/gm,
      `${n.project} = { path = "${n.dir}", develop = true }`,
      'pyproject.toml',
    ),
  );
  const config = `${umbrella}/workflow_shared_activities/_config.py`;
  update(tree, config, (t) => {
    t = insertAtMarker(t, 'imports', [packageImport(n)], config);
    return insertAtMarker(t, 'packages', [packageField(n)], config);
  });
}

/** @param {ReturnType<import('./names').activityNames>} n */
function packageImport(n) {
  return `from ${n.pkg} import ${n.packageConst}, ${n.noun}Settings`;
}

/**
 * The package's one line in `SharedActivitiesConfig` (ruff keeps it on one line up to 100
 * characters; a longer one it wraps).
 * @param {ReturnType<import('./names').activityNames>} n
 */
function packageField(n) {
  return `${n.snake}: Annotated[${n.noun}Settings, ${n.packageConst}] = field(default_factory=${n.noun}Settings)`;
}

module.exports = { wire, insertAtMarker, insertAfterLast, packageImport, packageField };
