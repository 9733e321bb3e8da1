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
 * Wires the package into the contracts, the umbrella and the root environment.
 * @param {import('@nx/devkit').Tree} tree
 * @param {ReturnType<import('./names').activityNames>} n
 */
function wire(tree, n) {
  const contracts = 'libs/contracts/workflow_contracts/__init__.py';
  update(tree, contracts, (t) => {
    t = insertAfterLast(
      t,
      // A whole import statement: one line, or a parenthesized list over several.
      /^from workflow_contracts\.[a-z_]+ import (?:\([^)]*\)|.*)$/gm,
      `from workflow_contracts import ${n.contractModule} as _${n.contractModule}\n` +
        `from workflow_contracts.${n.contractModule} import *  # noqa: F403`,
      contracts,
    );
    // mypy follows `__all__ += module.__all__` (not an alias of a list).
    const extend = `__all__ += _${n.contractModule}.__all__`;
    return t.includes(extend) ? t : t.replace(/\s*$/, '\n') + extend + '\n';
  });

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
  const init = `${umbrella}/workflow_shared_activities/__init__.py`;
  update(tree, init, (t) => {
    t = insertAtMarker(
      t,
      'imports',
      [
        // The contracts' names again: mypy does not see a `+=` to __all__ through `import *`.
        `from workflow_contracts.${n.contractModule} import *  # noqa: F403`,
        `from ${n.pkg} import *  # noqa: F403`,
        `from ${n.pkg} import __all__ as _${n.snake}_all`,
      ],
      init,
    );
    return insertAtMarker(t, 'exports', [`*_${n.snake}_all,`], init);
  });
  const config = `${umbrella}/workflow_shared_activities/config.py`;
  update(tree, config, (t) => {
    t = insertAtMarker(t, 'imports', [`from ${n.pkg} import ${n.noun}Settings`], config);
    return insertAtMarker(
      t,
      'settings',
      [`${n.snake}: ${n.noun}Settings = field(default_factory=${n.noun}Settings)`],
      config,
    );
  });
  const packages = `${umbrella}/workflow_shared_activities/activity_packages.py`;
  update(tree, packages, (t) => {
    t = insertAtMarker(t, 'imports', [`from ${n.pkg} import ${n.className}, ${n.noun}Resource`], packages);
    t = insertAtMarker(t, 'resources', [`self.${n.snake} = ${n.noun}Resource()`], packages);
    t = insertAtMarker(
      t,
      'open',
      [
        `await stack.enter_async_context(`,
        `    self.${n.snake}.open(`,
        `        config.${n.snake},`,
        `        aws_region=config.aws_region,`,
        `        aws_endpoint_url=config.aws_endpoint_url,`,
        `        operator_retry_delay=config.operator_retry_delay,`,
        `    )`,
        `)`,
      ],
      packages,
    );
    return insertAtMarker(
      t,
      'activities',
      [`activities.append(${n.className}(self.${n.snake}, config.${n.snake}).run)`],
      packages,
    );
  });
}

module.exports = { wire, insertAtMarker, insertAfterLast };
