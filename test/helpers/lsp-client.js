'use strict';
// A small, real LSP client over stdio for the tests: spawns the language
// server, frames messages with Content-Length, matches responses to requests
// by id, answers the server's own requests, records notifications, and lets a
// test wait for the publishDiagnostics it expects. Waiting is event-driven;
// every timeout here is only a guard that turns a hang into a failure.

const { spawn } = require('node:child_process');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const ROOT = path.join(__dirname, '..', '..');
const SERVER_BIN = path.join(ROOT, 'bin', 'dma-language-server');
const GUARD_MS = 30000;

class LspError extends Error {
	constructor(error) {
		super(`${error.message} (code ${error.code})`);
		this.code = error.code;
		this.data = error.data;
	}
}

/** What the test client tells the server it supports. */
function defaultCapabilities(workspaceConfiguration = false) {
	return {
		textDocument: {
			publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
			synchronization: { didSave: false, dynamicRegistration: false },
			codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } }, isPreferredSupport: true },
			hover: { contentFormat: ['markdown', 'plaintext'] },
			completion: { completionItem: { snippetSupport: false } },
		},
		workspace: { configuration: workspaceConfiguration, didChangeConfiguration: { dynamicRegistration: false } },
	};
}

/** Encodes one JSON-RPC message with its header. */
function frame(message) {
	const body = Buffer.from(JSON.stringify(message), 'utf8');
	return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

class LspClient {
	/**
	 * @param {object} [opts]
	 * @param {string[]} [opts.args] server arguments (default: --stdio)
	 * @param {string} [opts.command] the script to run with node (default: bin/dma-language-server)
	 * @param {string} [opts.executable] a program to run as it is instead, looked up on PATH as an editor does
	 * @param {object} [opts.env] the server's environment (default: this process's)
	 * @param {string} [opts.cwd] the server's working directory (default: the repository)
	 * @param {object} [opts.configuration] what workspace/configuration returns, by section
	 * @param {number} [opts.answerDelayMs] delay before answering the server's requests (a slow client)
	 */
	constructor(opts = {}) {
		this.command = opts.command ?? SERVER_BIN;
		this.executable = opts.executable;
		this.env = opts.env;
		this.cwd = opts.cwd ?? ROOT;
		this.args = opts.args ?? ['--stdio'];
		this.configuration = opts.configuration;
		this.answerDelayMs = opts.answerDelayMs ?? 0;
		this.nextId = 1;
		this.pending = new Map();
		this.buffer = Buffer.alloc(0);
		/** Every notification from the server, in order: {method, params}. */
		this.notifications = [];
		/** Responses the server sent with an id we never used (e.g. null for a parse error). */
		this.strayResponses = [];
		/** Requests the server sent us: {method, params}. */
		this.serverRequests = [];
		this.waiters = [];
		this.stderr = '';
		this.exit = undefined;
		this.protocolErrors = [];
	}

	start() {
		const [program, args] = this.executable ? [this.executable, this.args] : [process.execPath, [this.command, ...this.args]];
		this.proc = spawn(program, args, { cwd: this.cwd, env: this.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
		this.proc.on('error', (e) => {
			this.stderr += `spawn ${program}: ${e.message}\n`;
		});
		this.pid = this.proc.pid;
		this.proc.stdout.on('data', (chunk) => this._onData(chunk));
		this.proc.stderr.on('data', (chunk) => {
			this.stderr += chunk.toString('utf8');
		});
		// Writing to a server that died must not crash the test process.
		this.proc.stdin.on('error', () => {});
		this.exited = new Promise((resolve) => {
			this.proc.on('exit', (code, signal) => {
				this.exit = { code, signal };
				for (const [, p] of this.pending) p.reject(new Error(`server exited (code ${code}, signal ${signal}) with a request pending${this._stderrTail()}`));
				this.pending.clear();
				this._check();
				resolve(this.exit);
			});
		});
		return this;
	}

	_stderrTail() {
		return this.stderr ? `\nserver stderr:\n${this.stderr.slice(-2000)}` : '';
	}

	_onData(chunk) {
		this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
		for (;;) {
			const headerEnd = this.buffer.indexOf('\r\n\r\n');
			if (headerEnd < 0) return;
			const header = this.buffer.subarray(0, headerEnd).toString('ascii');
			const m = /^content-length:\s*(\d+)\s*$/im.exec(header);
			if (!m) {
				this.protocolErrors.push(`bad header from server: ${JSON.stringify(header)}`);
				this.buffer = this.buffer.subarray(headerEnd + 4);
				continue;
			}
			const length = Number(m[1]);
			const start = headerEnd + 4;
			if (this.buffer.length < start + length) return;
			const body = this.buffer.subarray(start, start + length).toString('utf8');
			this.buffer = this.buffer.subarray(start + length);
			let message;
			try {
				message = JSON.parse(body);
			} catch (e) {
				this.protocolErrors.push(`unparsable body from server: ${e.message}`);
				continue;
			}
			this._dispatch(message);
		}
	}

	_dispatch(msg) {
		if (msg.method !== undefined && msg.id !== undefined) {
			this.serverRequests.push({ method: msg.method, params: msg.params });
			const reply = () => this._write({ jsonrpc: '2.0', id: msg.id, result: this._answer(msg.method, msg.params) });
			if (this.answerDelayMs > 0) setTimeout(reply, this.answerDelayMs);
			else reply();
		} else if (msg.method !== undefined) {
			this.notifications.push({ method: msg.method, params: msg.params });
		} else if (msg.id !== undefined && this.pending.has(msg.id)) {
			const p = this.pending.get(msg.id);
			this.pending.delete(msg.id);
			if (msg.error) p.reject(new LspError(msg.error));
			else p.resolve(msg.result);
		} else {
			this.strayResponses.push(msg);
		}
		this._check();
	}

	/** Default answers to requests from the server. */
	_answer(method, params) {
		if (method === 'workspace/configuration') {
			return (params?.items ?? []).map((item) => (this.configuration && item.section ? (this.configuration[item.section] ?? null) : null));
		}
		return null;
	}

	_check() {
		for (const w of [...this.waiters]) {
			let value;
			try {
				value = w.test();
			} catch (e) {
				this._removeWaiter(w);
				w.reject(e);
				continue;
			}
			if (value !== undefined) {
				this._removeWaiter(w);
				w.resolve(value);
			} else if (this.exit && !w.allowExit) {
				this._removeWaiter(w);
				w.reject(new Error(`server exited (code ${this.exit.code}, signal ${this.exit.signal}) while waiting for ${w.what}${this._stderrTail()}`));
			}
		}
	}

	_removeWaiter(w) {
		clearTimeout(w.timer);
		const i = this.waiters.indexOf(w);
		if (i >= 0) this.waiters.splice(i, 1);
	}

	/**
	 * Resolves with the first value `test()` returns that is not undefined;
	 * `test` is re-run on every message from the server.
	 */
	waitFor(what, test, timeoutMs = GUARD_MS, allowExit = false) {
		return new Promise((resolve, reject) => {
			const w = { what, test, resolve, reject, allowExit };
			w.timer = setTimeout(() => {
				this._removeWaiter(w);
				reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${this._stderrTail()}`));
			}, timeoutMs);
			this.waiters.push(w);
			this._check();
		});
	}

	_write(message) {
		if (!this.proc.stdin.writable) return;
		this.proc.stdin.write(frame(message));
	}

	/** Writes bytes as they are, for malformed-input tests. */
	writeRaw(bytes) {
		this.proc.stdin.write(bytes);
	}

	request(method, params, timeoutMs = GUARD_MS) {
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(new Error(`timed out after ${timeoutMs} ms waiting for the response to ${method}${this._stderrTail()}`));
			}, timeoutMs);
			this.pending.set(id, {
				resolve: (v) => {
					clearTimeout(timer);
					resolve(v);
				},
				reject: (e) => {
					clearTimeout(timer);
					reject(e);
				},
			});
			if (this.exit) {
				this.pending.get(id).reject(new Error(`server already exited (code ${this.exit.code})${this._stderrTail()}`));
				this.pending.delete(id);
				return;
			}
			this._write({ jsonrpc: '2.0', id, method, params });
		});
	}

	notify(method, params) {
		this._write({ jsonrpc: '2.0', method, params });
	}

	/** initialize + initialized. Resolves with the InitializeResult. */
	async initialize({ initializationOptions, capabilities, workspaceConfiguration = false, rootUri = null, processId = null, extra = {} } = {}) {
		const result = await this.request('initialize', {
			processId,
			rootUri,
			capabilities: capabilities ?? defaultCapabilities(workspaceConfiguration),
			initializationOptions,
			...extra,
		});
		this.notify('initialized', {});
		this.initializeResult = result;
		return result;
	}

	open(uri, text, version = 1, languageId = 'c') {
		this.notify('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
	}

	change(uri, version, contentChanges) {
		this.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
	}

	close(uri) {
		this.notify('textDocument/didClose', { textDocument: { uri } });
	}

	/** All publishDiagnostics received for `uri`, oldest first. */
	diagnosticsFor(uri) {
		return this.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri).map((n) => n.params);
	}

	/**
	 * Resolves with the params of a publishDiagnostics for `uri` that satisfies
	 * `predicate(params)`. The latest one already received is tried first (so a
	 * publish that raced ahead of the call is not missed), then each new one.
	 */
	waitForDiagnostics(uri, predicate = () => true, timeoutMs = GUARD_MS) {
		let seen = this.diagnosticsFor(uri).length;
		let triedLatest = false;
		return this.waitFor(`publishDiagnostics for ${uri}`, () => {
			const all = this.diagnosticsFor(uri);
			if (!triedLatest) {
				triedLatest = true;
				const latest = all[all.length - 1];
				if (latest && predicate(latest)) return latest;
			}
			for (; seen < all.length; seen++) if (predicate(all[seen])) return all[seen];
			return undefined;
		}, timeoutMs);
	}

	/** Resolves with the first server notification (from now on) of `method` matching `predicate`. */
	waitForNotification(method, predicate = () => true, timeoutMs = GUARD_MS) {
		let seen = this.notifications.length;
		return this.waitFor(`${method} notification`, () => {
			for (; seen < this.notifications.length; seen++) {
				const n = this.notifications[seen];
				if (n.method === method && predicate(n.params)) return n.params;
			}
			return undefined;
		}, timeoutMs);
	}

	/** window/logMessage texts so far. */
	logMessages() {
		return this.notifications.filter((n) => n.method === 'window/logMessage').map((n) => n.params.message);
	}

	/** Resolves when the process has exited, with {code, signal}; rejects after `timeoutMs`. */
	waitForExit(timeoutMs = GUARD_MS) {
		if (this.exit) return Promise.resolve(this.exit);
		return this.waitFor('the server to exit', () => this.exit, timeoutMs, true);
	}

	/** Resident set size of the server process in bytes (Linux /proc), or undefined. */
	rss() {
		try {
			const status = require('node:fs').readFileSync(`/proc/${this.pid}/status`, 'utf8');
			const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
			return m ? Number(m[1]) * 1024 : undefined;
		} catch {
			return undefined;
		}
	}

	/** shutdown + exit; resolves with the exit status. Kills the process if it does not go. */
	async shutdown(timeoutMs = 10000) {
		if (this.exit) return this.exit;
		try {
			await this.request('shutdown', null, timeoutMs);
			this.notify('exit', null);
			return await this.waitForExit(timeoutMs);
		} finally {
			this.kill();
		}
	}

	/** Last resort for cleanup: SIGKILL this client's own server process. */
	kill() {
		if (!this.exit && this.proc) this.proc.kill('SIGKILL');
		for (const w of [...this.waiters]) {
			this._removeWaiter(w);
			w.reject(new Error(`client killed while waiting for ${w.what}`));
		}
	}
}

/** Starts a server and initializes it. */
async function startServer(opts = {}) {
	const client = new LspClient(opts).start();
	await client.initialize(opts);
	return client;
}

/** A file: URI for a virtual driver path (nothing is written there). */
function driverUri(relPath) {
	return pathToFileURL(path.join('/work/linux', relPath)).href;
}

module.exports = { LspClient, defaultCapabilities, LspError, startServer, driverUri, frame, SERVER_BIN, ROOT };
