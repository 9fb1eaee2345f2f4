'use strict';
// The only file that touches the Synthetics runtime (syn-nodejs-puppeteer-13.1 and later name it
// @aws/synthetics-puppeteer): each step of the script is one Synthetics step, so the run's report
// names the step that failed and SuccessPercent counts the run as failed.
const synthetics = require('@aws/synthetics-puppeteer');
const { runStep, variables } = require('./checks');
const script = require('./script.json');

exports.handler = async () => {
  const vars = variables(process.env);
  for (const step of script.steps) {
    await synthetics.executeStep(step.name, async () => {
      const result = await runStep(step, { baseUrl: process.env.BASE_URL, vars, fetch });
      if (result.problems.length) throw new Error(`${step.name}: ${result.problems.join('; ')}`);
      Object.assign(vars, result.captured);
    });
  }
};
