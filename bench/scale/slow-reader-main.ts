/**
 * `node --import tsx bench/scale/slow-reader-main.ts [--messages N] [--rate R] [--relay-node-args '--max-semi-space-size=2']`:
 * runs the slow-reader probe (slow-reader.ts) and prints its result as one
 * JSON object. A piece of the later `npm run bench:scale`.
 */
import { parseArgs } from 'node:util';
import { runSlowReader } from './slow-reader.ts';

const { values } = parseArgs({ options: { messages: { type: 'string' }, rate: { type: 'string' }, json: { type: 'boolean', default: true }, 'relay-node-args': { type: 'string' } } });
const result = await runSlowReader({
  ...(values.messages ? { messages: Number(values.messages) } : {}),
  ...(values.rate ? { requestsPerSecond: Number(values.rate) } : {}),
  ...(values['relay-node-args'] ? { relayNodeArgs: values['relay-node-args'].split(' ') } : {}),
});
console.log(JSON.stringify(result));
