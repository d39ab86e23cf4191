// harness/n8n.mjs logDigest: what a failed suite prints of each n8n's whole log (scripts/e2e.mjs), beside
// its last lines. A log that ends with the shutdown's repeats must still show what n8n was busy with.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { logDigest } from '../harness/n8n.mjs';

it('counts the lines n8n said, leaving out stack frames and blank lines, the most frequent in the order first said', () => {
	const log = [
		'n8n ready on 127.0.0.1, port 5678',
		'QueryFailedError',
		'    at Statement.handler (SqliteLibrary.js:101:39)',
		'',
		'Error in handling webhook request POST /webhook/a: Request body stream was aborted or is not readable',
		'QueryFailedError',
		'    at Statement.handler (SqliteLibrary.js:101:39)',
		...Array.from({ length: 5 }, () => 'Waiting for 3 active executions to finish...'),
	].join('\n');
	assert.equal(
		logDigest(log, 2),
		['     2 × QueryFailedError', '     5 × Waiting for 3 active executions to finish...'].join('\n'),
	);
	assert.match(logDigest(log), /1 × n8n ready on 127\.0\.0\.1, port 5678\n {5}2 × QueryFailedError\n {5}1 × Error in handling webhook request/);
	assert.equal(logDigest(''), '');
});
