'use strict';
/**
 * Names derived from the generator's options: one place, so every template agrees.
 * @param {{name: string, activity?: string, noun?: string}} options
 */
function activityNames(options) {
  const name = options.name;
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    throw new Error(`name must be kebab-case (e.g. notifications), got ${JSON.stringify(name)}`);
  }
  const snake = name.replace(/-/g, '_');
  const activity = options.activity || snake;
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(activity)) {
    throw new Error(`activity must be snake_case (e.g. send_notification), got ${JSON.stringify(activity)}`);
  }
  const words = activity.split('_');
  const pascal = (/** @type {string[]} */ parts) =>
    parts.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  const noun = options.noun || pascal([words[words.length - 1]]);
  const nounSnake = noun.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return {
    name,
    snake,
    dir: `libs/${name}`,
    project: `workflow-${name}`,
    pkg: `workflow_${snake}`,
    activity,
    activityName: `shared.${activity}`,
    activityConst: `${activity.toUpperCase()}_ACTIVITY`,
    className: `${pascal(words)}Activity`,
    noun,
    nounSnake,
    packageConst: snake.toUpperCase(),
    contractModule: snake,
    tmpl: '',
  };
}

module.exports = { activityNames };
