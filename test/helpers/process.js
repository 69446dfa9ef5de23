'use strict';
// Runs a program for a test and collects what it prints, with a time limit.
const { spawn } = require('node:child_process');

/**
 * Resolves with {code, signal, stdout, stderr}; rejects when the program
 * cannot start or does not finish in `timeoutMs` (it is killed then).
 * `input` is written to its standard input, which is closed after it.
 */
function runProgram(cmd, args, { cwd, env, input, uid, timeoutMs = 60000, label = cmd } = {}) {
	return new Promise((resolve, reject) => {
		const opts = { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] };
		if (uid !== undefined) Object.assign(opts, { uid, gid: uid });
		const child = spawn(cmd, args, opts);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`${label} ${args.join(' ')} did not finish in ${timeoutMs} ms\nstderr: ${stderr.slice(-2000)}`));
		}, timeoutMs);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, stdout, stderr });
		});
		child.stdin.on('error', () => {});
		child.stdin.end(input ?? '');
	});
}

module.exports = { runProgram };
