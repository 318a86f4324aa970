#!/usr/bin/env node
// A charger we did not write, over TLS: ocpp-rpc's RPCClient (strict mode) connecting to
// wss:// with a client certificate (security profile 3) and, optionally, a password.
//
// ocpp-rpc hands `wsOpts` to the `ws` WebSocket, which passes `ca`, `cert` and `key` on to
// Node's tls.connect (ocpp-rpc lib/client.js _beginConnect), so no patching is needed.
//
// usage: node wss_charger.js <wss-url-ending-in-charger-id> <ca.pem> [cert.pem key.pem] [protocol]
//
// Prints one JSON line per event on stdout:
//   {"event":"open","protocol":"ocpp1.6"}     {"event":"boot","response":{...}}
//   {"event":"refused","message":"...","code":403|null}
//   {"event":"error","kind":"strictValidationFailure"|...,"message":"..."}
//   {"event":"exit","failures":0}
// Exits 0 when the boot was accepted and nothing failed, 1 otherwise.
'use strict';

const fs = require('fs');
const { RPCClient } = require('ocpp-rpc');

const [url, caFile, certFile, keyFile, protocol = 'ocpp1.6'] = process.argv.slice(2);
if (!url || !caFile) {
    process.stderr.write('usage: node wss_charger.js <wss-url/chargerId> <ca.pem> [cert.pem key.pem] [protocol]\n');
    process.exit(2);
}

const parsed = new URL(url);
const segments = parsed.pathname.split('/').filter(Boolean);
const identity = decodeURIComponent(segments.pop() || '');
parsed.pathname = '/' + segments.join('/');
const endpoint = parsed.toString().replace(/\/$/, '');

const wsOpts = { ca: fs.readFileSync(caFile), minVersion: 'TLSv1.2' };
if (certFile && keyFile && certFile !== '-') {
    wsOpts.cert = fs.readFileSync(certFile);
    wsOpts.key = fs.readFileSync(keyFile);
}

let failures = 0;
function emit(event) {
    process.stdout.write(JSON.stringify(event) + '\n');
}
function fail(kind, message, extra = {}) {
    failures += 1;
    emit({ event: 'error', kind, message: String(message), ...extra });
}

const cli = new RPCClient({
    endpoint, identity, protocols: [protocol], strictMode: true, reconnect: false,
    callTimeoutMs: 15000, wsOpts,
});
cli.on('strictValidationFailure', (ev) => fail('strictValidationFailure', ev.error && ev.error.message,
                                                { method: ev.method }));
cli.on('badMessage', (ev) => fail('badMessage', ev.error && ev.error.message));

async function main() {
    const deadline = setTimeout(() => { fail('timeout', 'still running after 60 s'); done(); }, 60000);
    deadline.unref();
    try {
        await cli.connect();
    } catch (err) {
        emit({ event: 'refused', message: String(err && err.message), code: (err && err.code) || null });
        failures += 1;
        return done();
    }
    emit({ event: 'open', protocol: cli.protocol });
    try {
        const response = protocol === 'ocpp1.6'
            ? await cli.call('BootNotification', { chargePointVendor: 'ocpp-rpc',
                                                   chargePointModel: 'wss-charger' })
            : await cli.call('BootNotification', { reason: 'PowerUp', chargingStation: {
                model: 'wss-charger', vendorName: 'ocpp-rpc' } });
        emit({ event: 'boot', response });
        if (response.status !== 'Accepted') failures += 1;
    } catch (err) {
        fail('failure', err && err.message);
    }
    return done();
}

let finished = false;
async function done() {
    if (finished) return;
    finished = true;
    try {
        await cli.close({ code: 1000, reason: 'done' });
    } catch (err) {
        fail('close', err && err.message);
    }
    emit({ event: 'exit', failures });
    process.exitCode = failures ? 1 : 0;
    setTimeout(() => process.exit(process.exitCode), 50);
}

main();
