'use strict';
/**
 * A throwaway copy of the workspace for the end-to-end test: the files git knows (tracked and
 * untracked-but-not-ignored, so a local run tests the working tree), copied (never hardlinked:
 * the generator rewrites files in place), with node_modules symlinked (read only) and the
 * shared .venv reused from the original.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** @returns {string} the copy's root */
function copyWorkspace() {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-activity-e2e-'));
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate'],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  )
    .toString('utf-8')
    .split('\0')
    .filter(Boolean);
  for (const file of listed) {
    const from = path.join(ROOT, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    const to = path.join(dest, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules'), 'dir');
  return dest;
}

module.exports = { ROOT, copyWorkspace };
