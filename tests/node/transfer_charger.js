#!/usr/bin/env node
// A charger we did not write, for file transfers: ocpp-rpc's RPCClient in strict mode
// (every frame both ways checked against ocpp-rpc's own schemas) that answers
// GetDiagnostics (1.6) / GetLog (2.0.1) by uploading a log, and UpdateFirmware (1.6) by
// downloading the file, with Node's own modules only:
//   - FTP: a few lines over `net` (USER, PASS, TYPE I, EPSV, STOR / RETR) — npm has FTP
//     clients, but tests/node carries none and Node has none built in;
//   - HTTP: `http` (PUT, GET) with the URL's user and password as Basic auth.
//
// usage: node transfer_charger.js <ws-url-ending-in-charger-id> [ocpp1.6|ocpp2.0.1] [max-seconds]
// Prints one JSON line per event (open, ready, call, uploaded, downloaded, status, error, exit)
// and runs until stdin closes; exits 1 when anything failed.
'use strict';

const net = require('net');
const http = require('http');
const { once } = require('events');
const { RPCClient, createRPCError } = require('ocpp-rpc');

const [url, protocol = 'ocpp1.6', maxSecondsText = '60'] = process.argv.slice(2);
const parsed = new URL(url);
const segments = parsed.pathname.split('/').filter(Boolean);
const identity = decodeURIComponent(segments.pop() || '');
parsed.pathname = '/' + segments.join('/');
const endpoint = parsed.toString().replace(/\/$/, '');

let failures = 0;
let finished = false;
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');
function fail(kind, message, extra = {}) {
    failures += 1;
    emit({ event: 'error', kind, message: String(message), ...extra });
}

// ------------------------------------------------------------------------ FTP, by hand
async function ftpSession(location, work) {
    const u = new URL(location);
    const control = net.connect(Number(u.port || 21), u.hostname);
    control.setEncoding('utf8');
    let pending = '';
    const replies = [];
    let wake = null;
    control.on('data', (chunk) => {
        pending += chunk;
        const lines = pending.split('\r\n');
        pending = lines.pop();
        for (const line of lines) {
            if (/^\d{3} /.test(line)) {  // the last line of a reply: code and a space
                replies.push(line);
                if (wake) { const w = wake; wake = null; w(); }
            }
        }
    });
    const reply = async (expected) => {
        while (!replies.length) await new Promise((resolve) => { wake = resolve; });
        const line = replies.shift();
        if (expected && !line.startsWith(expected)) throw new Error(`FTP: wanted ${expected}, got ${line}`);
        return line;
    };
    const command = async (text, expected) => { control.write(text + '\r\n'); return reply(expected); };
    await once(control, 'connect');
    await reply('220');
    await command('USER ' + decodeURIComponent(u.username), '331');
    await command('PASS ' + decodeURIComponent(u.password), '230');
    await command('TYPE I', '200');
    const passive = async () => {  // RFC 2428 EPSV: "229 ... (|||port|)"
        const line = await command('EPSV', '229');
        const port = Number(/\(\|\|\|(\d+)\|\)/.exec(line)[1]);
        const data = net.connect(port, u.hostname);
        await once(data, 'connect');
        return data;
    };
    try {
        return await work({ folder: decodeURIComponent(u.pathname), passive, command, reply });
    } finally {
        control.write('QUIT\r\n');
        control.end();
    }
}

async function ftpUpload(location, name, body) {
    await ftpSession(location, async ({ folder, passive, command, reply }) => {
        const data = await passive();
        await command(`STOR ${folder}${name}`, '150');
        data.end(body);
        await once(data, 'close');
        await reply('226');
    });
}

async function ftpDownload(location) {
    return ftpSession(location, async ({ folder, passive, command, reply }) => {
        const data = await passive();
        const chunks = [];
        data.on('data', (c) => chunks.push(c));
        await command(`RETR ${folder}`, '150');
        await once(data, 'close');
        await reply('226');
        return Buffer.concat(chunks);
    });
}

// ----------------------------------------------------------------------------- HTTP
function httpRequest(location, method, body) {
    const u = new URL(location);
    const auth = u.username ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : undefined;
    return new Promise((resolve, reject) => {
        const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method, auth },
            (res) => {
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('end', () => (res.statusCode < 300 ? resolve(Buffer.concat(chunks))
                    : reject(new Error(`HTTP ${method}: ${res.statusCode}`))));
            });
        req.on('error', reject);
        req.end(body);
    });
}

const upload = (location, name, body) => (location.startsWith('ftp://')
    ? ftpUpload(location, name, body)
    : httpRequest(location.replace(/\/?$/, '/') + name, 'PUT', body));
const download = (location) => (location.startsWith('ftp://')
    ? ftpDownload(location) : httpRequest(location, 'GET'));

// -------------------------------------------------------------------------- the charger
const cli = new RPCClient({ endpoint, identity, protocols: [protocol], strictMode: true,
                            reconnect: false, callTimeoutMs: 15000 });
cli.on('strictValidationFailure', (ev) => fail('strictValidationFailure', ev.error && ev.error.message,
    { method: ev.method, outbound: ev.outbound, params: ev.params, result: ev.result }));
cli.on('badMessage', (ev) => fail('badMessage', ev.error && ev.error.message));
cli.on('close', () => finish());

const logText = (kind) => Buffer.from(
    `ocpp-rpc transfer charger ${identity} ${kind} log\n` + 'a line of log\n'.repeat(200));

async function uploadLog(location, name, kind, action, requestId) {
    const status = (value) => cli.call(action, requestId === undefined ? { status: value }
        : { status: value, requestId });
    await status('Uploading');
    try {
        await upload(location, name, logText(kind));
        emit({ event: 'uploaded', name, scheme: new URL(location).protocol });
        await status('Uploaded');
    } catch (err) {
        fail('upload', err.message);
        await status(requestId === undefined ? 'UploadFailed' : 'UploadFailure');
    }
}

cli.handle('GetDiagnostics', ({ params }) => {
    const name = `${identity}-diagnostics.txt`;
    setImmediate(() => uploadLog(params.location, name, 'diagnostics',
        'DiagnosticsStatusNotification').catch((e) => fail('status', e.message)));
    emit({ event: 'call', method: 'GetDiagnostics', params });
    return { fileName: name };
});

cli.handle('GetLog', ({ params }) => {
    const kind = params.logType === 'SecurityLog' ? 'security' : 'diagnostics';
    const name = `${identity}-${kind}.txt`;
    setImmediate(() => uploadLog(params.log.remoteLocation, name, kind, 'LogStatusNotification',
        params.requestId).catch((e) => fail('status', e.message)));
    emit({ event: 'call', method: 'GetLog', params });
    return { status: 'Accepted', filename: name };
});

cli.handle('UpdateFirmware', ({ params }) => {
    emit({ event: 'call', method: 'UpdateFirmware', params });
    const location = params.location || params.firmware.location;
    const requestId = params.requestId;
    const status = (value) => cli.call('FirmwareStatusNotification',
        requestId === undefined ? { status: value } : { status: value, requestId });
    setImmediate(async () => {
        try {
            await status('Downloading');
            const body = await download(location);
            emit({ event: 'downloaded', bytes: body.length });
            await status('Downloaded');
            await status('Installing');
            await status('Installed');
        } catch (err) {
            fail('download', err.message);
            await status('DownloadFailed').catch(() => {});
        }
    });
    return requestId === undefined ? {} : { status: 'Accepted' };
});

cli.handle(({ method }) => {
    emit({ event: 'call', method, unhandled: true });
    throw createRPCError('NotImplemented', `transfer_charger does not handle ${method}`);
});

async function finish() {
    if (finished) return;
    finished = true;
    try {
        if (cli.state !== 3) await cli.close({ code: 1000, reason: 'done', force: false });
    } catch (err) {
        fail('close', err && err.message);
    }
    emit({ event: 'exit', failures });
    process.exitCode = failures ? 1 : 0;
    setTimeout(() => process.exit(process.exitCode), 50);
}

async function main() {
    const deadline = setTimeout(() => { fail('timeout', 'ran too long'); finish(); },
        (Number(maxSecondsText) || 60) * 1000);
    deadline.unref();
    process.stdin.on('end', () => finish());
    process.stdin.on('close', () => finish());
    process.stdin.resume();
    try {
        await cli.connect();
        emit({ event: 'open', protocol: cli.protocol });
        if (protocol === 'ocpp1.6') {
            await cli.call('BootNotification', { chargePointVendor: 'ocpp-rpc',
                chargePointModel: 'transfer-charger', firmwareVersion: '1.0' });
        } else {
            await cli.call('BootNotification', { reason: 'PowerUp',
                chargingStation: { model: 'transfer-charger', vendorName: 'ocpp-rpc' } });
        }
        emit({ event: 'ready' });
    } catch (err) {
        fail('failure', err && (err.stack || err.message));
        await finish();
    }
}

main();
