#!/usr/bin/env node
// A charger we did not write: ocpp-rpc's RPCClient in strict mode.
//
// strictMode makes ocpp-rpc check every CALL and CALLRESULT, both ways,
// against the OCPP schemas bundled with it (not the ones OCPP Studio uses),
// so any frame from our CSMS that breaks the schema shows up here as a
// 'strictValidationFailure' event.
//
// usage: node strict_charger.js <ws-url-ending-in-charger-id> [ocpp1.6|ocpp2.0.1] [max-seconds]
//
// Prints one JSON line per event on stdout:
//   {"event":"open","protocol":"ocpp1.6"}
//   {"event":"boot","response":{...}}   {"event":"heartbeat","response":{...}}
//   {"event":"status","response":{}}    {"event":"ready"}
//   {"event":"call","method":"GetConfiguration","params":{...},"response":{...}}
//   {"event":"error","kind":"strictValidationFailure"|"badMessage"|...,"message":"..."}
//   {"event":"exit","failures":0}
// Runs until stdin closes (or the server closes the connection, or max-seconds
// pass), then exits 0 when nothing failed and 1 otherwise.
'use strict';

const { RPCClient, createRPCError } = require('ocpp-rpc');

const [url, protocol = 'ocpp1.6', maxSecondsText = '60'] = process.argv.slice(2);
if (!url || !['ocpp1.6', 'ocpp2.0.1'].includes(protocol)) {
    process.stderr.write('usage: node strict_charger.js <ws-url/chargerId> [ocpp1.6|ocpp2.0.1] [max-seconds]\n');
    process.exit(2);
}

const parsed = new URL(url);
const segments = parsed.pathname.split('/').filter(Boolean);
const identity = decodeURIComponent(segments.pop() || '');
parsed.pathname = '/' + segments.join('/');
const endpoint = parsed.toString().replace(/\/$/, '');

let failures = 0;
let finished = false;

function emit(event) {
    process.stdout.write(JSON.stringify(event) + '\n');
}

function fail(kind, message, extra = {}) {
    failures += 1;
    emit({ event: 'error', kind, message: String(message), ...extra });
}

// The charger's configuration, as a 1.6 key list and a 2.0.1 device model.
const keys16 = new Map([
    ['HeartbeatInterval', { value: '300', readonly: false }],
    ['MeterValueSampleInterval', { value: '60', readonly: false }],
    ['MeterValuesSampledData', { value: 'Energy.Active.Import.Register', readonly: false }],
    ['NumberOfConnectors', { value: '1', readonly: true }],
    ['ChargePointVendorName', { value: 'ocpp-rpc strict charger', readonly: true }],
]);
const variables201 = new Map([
    ['OCPPCommCtrlr/HeartbeatInterval', { value: '300', readonly: false }],
    ['SampledDataCtrlr/TxUpdatedInterval', { value: '60', readonly: false }],
    ['ChargingStation/Model', { value: 'strict', readonly: true }],
]);

const cli = new RPCClient({
    endpoint,
    identity,
    protocols: [protocol],
    strictMode: true,
    reconnect: false,
    callTimeoutMs: 15000,
});

cli.on('strictValidationFailure', (ev) => {
    fail('strictValidationFailure', ev.error && ev.error.message, {
        method: ev.method, messageId: ev.messageId, outbound: ev.outbound, isCall: ev.isCall,
        params: ev.params, result: ev.result,
    });
});
cli.on('badMessage', (ev) => {
    fail('badMessage', ev.error && ev.error.message, {
        raw: ev.buffer ? ev.buffer.toString() : null, response: ev.response,
    });
});
cli.on('callError', (ev) => {
    // A CALLERROR either way means something was refused; neither side should need one here.
    fail('callError', ev.error && ev.error.message, {
        method: ev.method, outbound: ev.outbound, code: ev.error && ev.error.rpcErrorCode,
    });
});
cli.on('socketError', (err) => fail('socketError', err && err.message));
cli.on('close', ({ code, reason }) => {
    emit({ event: 'close', code, reason: String(reason || '') });
    finish();
});

function handled(method, handler) {
    cli.handle(method, async ({ params }) => {
        const response = await handler(params);
        emit({ event: 'call', method, params, response });
        return response;
    });
}

// ----------------------------------------------------------------- OCPP 1.6
handled('GetConfiguration', (params) => {
    const wanted = params.key && params.key.length ? params.key : [...keys16.keys()];
    const configurationKey = [];
    const unknownKey = [];
    for (const key of wanted) {
        const entry = keys16.get(key);
        if (entry) configurationKey.push({ key, readonly: entry.readonly, value: entry.value });
        else unknownKey.push(key);
    }
    const response = { configurationKey };
    if (unknownKey.length) response.unknownKey = unknownKey;
    return response;
});

handled('ChangeConfiguration', ({ key, value }) => {
    const entry = keys16.get(key);
    if (!entry) return { status: 'NotSupported' };
    if (entry.readonly) return { status: 'Rejected' };
    entry.value = value;
    return { status: 'Accepted' };
});

// ---------------------------------------------------------------- OCPP 2.0.1
function variableKey(item) {
    return `${item.component.name}/${item.variable.name}`;
}

handled('GetVariables', ({ getVariableData }) => ({
    getVariableResult: getVariableData.map((item) => {
        const entry = variables201.get(variableKey(item));
        const result = {
            attributeStatus: entry ? 'Accepted' : 'UnknownVariable',
            component: item.component,
            variable: item.variable,
        };
        if (entry) result.attributeValue = entry.value;
        return result;
    }),
}));

handled('SetVariables', ({ setVariableData }) => ({
    setVariableResult: setVariableData.map((item) => {
        const entry = variables201.get(variableKey(item));
        let attributeStatus = 'UnknownVariable';
        if (entry && entry.readonly) attributeStatus = 'Rejected';
        else if (entry) { entry.value = item.attributeValue; attributeStatus = 'Accepted'; }
        return { attributeStatus, component: item.component, variable: item.variable };
    }),
}));

cli.handle(({ method }) => {
    emit({ event: 'call', method, unhandled: true });
    throw createRPCError('NotImplemented', `strict_charger does not handle ${method}`);
});

// ------------------------------------------------------------------ running
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
    // Give stdout a chance to drain, then leave even if a timer is still armed.
    setTimeout(() => process.exit(process.exitCode), 50);
}

async function boot() {
    const now = new Date().toISOString();
    if (protocol === 'ocpp1.6') {
        emit({ event: 'boot', response: await cli.call('BootNotification', {
            chargePointVendor: 'ocpp-rpc', chargePointModel: 'strict-charger',
            chargePointSerialNumber: 'NODE-0001', firmwareVersion: '2.2.1',
        }) });
        emit({ event: 'heartbeat', response: await cli.call('Heartbeat', {}) });
        emit({ event: 'status', response: await cli.call('StatusNotification', {
            connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now,
        }) });
    } else {
        emit({ event: 'boot', response: await cli.call('BootNotification', {
            reason: 'PowerUp',
            chargingStation: { model: 'strict-charger', vendorName: 'ocpp-rpc',
                               serialNumber: 'NODE-0001', firmwareVersion: '2.2.1' },
        }) });
        emit({ event: 'heartbeat', response: await cli.call('Heartbeat', {}) });
        emit({ event: 'status', response: await cli.call('StatusNotification', {
            timestamp: now, connectorStatus: 'Available', evseId: 1, connectorId: 1,
        }) });
    }
}

async function main() {
    const maxSeconds = Number(maxSecondsText) || 60;
    const deadline = setTimeout(() => {
        fail('timeout', `still running after ${maxSeconds} s`);
        finish();
    }, maxSeconds * 1000);
    deadline.unref();
    process.stdin.on('end', () => finish());
    process.stdin.on('close', () => finish());
    process.stdin.resume();

    try {
        await cli.connect();
        emit({ event: 'open', protocol: cli.protocol, identity, endpoint });
        await boot();
        emit({ event: 'ready' });
    } catch (err) {
        fail('failure', err && (err.stack || err.message));
        await finish();
    }
}

main();
