'use strict';
// The plugin's lint: every JavaScript file parses (node --check) and every JSON file loads.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
/** @param {string} dir @returns {string[]} */
const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
let count = 0;
for (const file of walk(root)) {
  if (file.endsWith('.js')) execFileSync(process.execPath, ['--check', file]);
  else if (file.endsWith('.json')) JSON.parse(fs.readFileSync(file, 'utf-8'));
  else continue;
  count += 1;
}
console.log(`${count} files ok`);
