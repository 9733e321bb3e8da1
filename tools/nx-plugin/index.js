'use strict';
// Entry point of the local plugin (Nx reads generators.json; this is for require()).
module.exports = require('./src/shared-activity/generator.js');
