// A trading session written with Deriv's official JavaScript client (@deriv/deriv-api).
//
// Not a test module: test_official_js_client.py runs it with Node against a simulator, as
// `node deriv_api_session.js URL TOKEN FRAMES`, with NODE_PATH naming the node_modules that
// tools/deriv_api_js/package.json pins. It prints one JSON object summarising what the
// client saw, and writes every frame both ways to FRAMES (one JSON object a line:
// {"dir": "send" | "recv", "frame": ...}) for the test to check against the schemas.
//
// Both of the client's layers are used: the high-level one (api.account, api.underlying,
// api.ticks, api.candles, api.websiteStatus, api.contract with buy,
// settlement and sell, the account's balance and transaction streams) and the basic one
// (api.basic.*, the schema's calls one by one).
'use strict';

const fs = require('fs');
const WebSocket = require('ws');
const DerivAPI = require('@deriv/deriv-api/dist/DerivAPI');

const WAIT_MS = 60000;

// The first `count` updates of a high-level stream (its rxjs `onUpdate()` subject) that
// match `predicate`; rejects when the stream errors or nothing comes within WAIT_MS.
function updates(stream, count, predicate = () => true) {
    return new Promise((resolve, reject) => {
        const got = [];
        const timer = setTimeout(() => {
            subscription.unsubscribe();
            reject(new Error(`waited ${WAIT_MS} ms for ${count} updates, got ${got.length}`));
        }, WAIT_MS);
        const subscription = stream.onUpdate().subscribe({
            next: (update) => {
                if (!predicate(update)) return;
                got.push(update);
                if (got.length >= count) {
                    clearTimeout(timer);
                    subscription.unsubscribe();
                    resolve(got);
                }
            },
            error: (error) => {
                clearTimeout(timer);
                reject(error);
            },
        });
    });
}

// The same for a basic-layer subscription (an rxjs Observable of whole responses).
function messages(observable, count) {
    return new Promise((resolve, reject) => {
        const got = [];
        const timer = setTimeout(() => reject(new Error(`waited for ${count} messages`)), WAIT_MS);
        const subscription = observable.subscribe({
            next: (message) => {
                got.push(message);
                if (got.length >= count) {
                    clearTimeout(timer);
                    subscription.unsubscribe();
                    resolve(got);
                }
            },
            error: (error) => {
                clearTimeout(timer);
                reject(error);
            },
        });
    });
}

// The client rejects with the whole error response; a session summary wants its code.
async function errorCode(promise) {
    try {
        await promise;
        return null;
    } catch (response) {
        return (response && response.error && response.error.code) || String(response);
    }
}

function record(connection, out) {
    // Every frame as it crosses the socket: the client's own "send" event misses the
    // requests its subscription manager sends, so the socket is the one complete place.
    const send = connection.send.bind(connection);
    connection.send = (data, ...rest) => {
        out.write(`${JSON.stringify({ dir: 'send', frame: JSON.parse(data) })}\n`);
        return send(data, ...rest);
    };
    connection.on('message', (data) => {
        out.write(`${JSON.stringify({ dir: 'recv', frame: JSON.parse(data.toString()) })}\n`);
    });
}

// Buy a contract through the high-level layer, wait until it may be sold, and sell it.
async function buyAndSell(api, options) {
    const contract = await api.contract(options);
    const bought = await contract.buy();
    await updates(contract, 1, (update) => update.is_valid_to_sell);
    // The stream's last view may come before the sale's own answer: wait for it from before.
    const ended = updates(contract, 1, (update) => update.is_sold);
    const sale = await contract.sell();
    const [final] = await ended;
    return {
        contract_id: bought.contract_id,
        price: sale.price.value,
        balance_after: sale.balance_after.value,
        status: final.status,
        is_expired: final.is_expired,
        sell_price: final.sell_price.value,
    };
}

const RISE = {
    contract_type: 'CALL',
    symbol: 'R_100',
    currency: 'USD',
    amount: 10,
    basis: 'stake',
};

async function main(endpoint, token, framesPath) {
    const out = fs.createWriteStream(framesPath);
    const connection = new WebSocket(`${endpoint}/websockets/v3?app_id=1089&l=EN&brand=deriv`);
    record(connection, out);
    const api = new DerivAPI({ connection });
    const summary = {};

    // Basic layer, before any login.
    summary.ping = (await api.basic.ping()).ping;
    const status = await api.websiteStatus();
    summary.site_status = status.status;

    // High-level: the README's entry point.
    const account = await api.account(token);
    summary.loginid = account.loginid;
    summary.currency = account.currency;
    summary.landing_company = account.landing_company.short;
    summary.risk = account.risk;
    const transactions = updates(account.transactions, 6);
    const balances = updates(account.balance, 6);

    const underlying = await api.underlying('R_100');
    summary.underlying = {
        name: underlying.name.full,
        pip_size: underlying.pip_size,
        is_open: underlying.is_open,
        market: underlying.market.short,
    };

    const ticks = await api.ticks('R_100');
    summary.history_ticks = ticks.list.length;
    const live = await updates(ticks, 3);
    summary.ticks = live.map((tick) => [tick.time.epoch, tick.quote.value]);
    // The stream keeps its list as long as the history, the oldest tick out for each new
    // one: the history and the live ticks after it, as one sequence.
    const epochs = ticks.list.map((tick) => tick.time.epoch);
    summary.tick_steps = [...new Set(epochs.slice(1).map((epoch, i) => epoch - epochs[i]))];
    summary.ticks_in_list = epochs.slice(-3).join() === live.map((t) => t.time.epoch).join();

    const candles = await api.candles({ symbol: 'R_100', granularity: 60 });
    summary.candles = candles.list.length;
    const [ohlc] = await updates(candles, 1);
    summary.ohlc = {
        open_time_on_minute: ohlc.open_time.epoch % 60 === 0,
        ordered: ohlc.low.value <= ohlc.close.value && ohlc.close.value <= ohlc.high.value,
    };

    // Every open contract of the account, as one stream (the client does not reject its
    // errors, unlike any other stream's): it must see each contract bought below.
    const everyContract = new Set();
    api.basic.subscribe({ proposal_open_contract: 1 }).subscribe((message) => {
        const id = message.proposal_open_contract.contract_id;
        if (id !== undefined) everyContract.add(id);
    });

    // A tick contract, bought and followed to settlement.
    const settled = await api.contract({ ...RISE, duration: 5, duration_unit: 't' });
    summary.proposal_status = settled.status;
    summary.ask_price = settled.ask_price.value;
    const bought = await settled.buy();
    summary.settled = { contract_id: bought.contract_id, buy_price: bought.price.value };
    const [end] = await updates(settled, 1, (update) => update.is_sold);
    Object.assign(summary.settled, {
        status: end.status,
        is_expired: end.is_expired,
        profit: end.profit.value * end.profit.sign,
        sell_price: end.sell_price.value,
        ticks: end.ticks.length,
        buy_transaction: end.buy_transaction,
        sell_transaction: end.sell_transaction,
    });

    // A contract of minutes and a Multiplier, sold through the high-level sell().
    summary.sold = await buyAndSell(api, { ...RISE, duration: 5, duration_unit: 'm' });
    summary.multiplier = await buyAndSell(api, { ...RISE, contract_type: 'MULTUP', multiplier: 40 });

    summary.transactions = (await transactions).map((t) => [
        t.action,
        t.contract_id,
        t.symbol.short,
        t.symbol.full,
    ]);
    summary.balances = (await balances).map((b) => b.value);
    summary.every_contract = [...everyContract].sort((a, b) => a - b);

    // The basic layer, call by call.
    const statement = await api.basic.statement({ statement: 1, description: 1, limit: 10 });
    summary.statement = statement.statement.transactions.map((t) => [t.action_type, t.contract_id]);
    const table = await api.basic.profitTable({ profit_table: 1, description: 1 });
    summary.profit_table = table.profit_table.transactions.map((t) => t.contract_id);
    summary.balance = (await api.basic.balance()).balance.balance;
    summary.time = typeof (await api.basic.time()).time;
    const r50 = await messages(api.basic.subscribe({ ticks: 'R_50' }), 2);
    summary.r50 = r50.map((m) => m.tick.symbol);
    const proposal = await api.basic.proposal({ proposal: 1, ...RISE, duration: 5, duration_unit: 't' });
    const open = await api.basic.buy({ buy: proposal.proposal.id, price: 10 });
    const portfolio = await api.basic.portfolio({ portfolio: 1 });
    summary.portfolio = portfolio.portfolio.contracts.map((c) => c.contract_id);
    summary.open = open.buy.contract_id;
    summary.rebuy_error = await errorCode(api.basic.buy({ buy: proposal.proposal.id, price: 10 }));
    summary.unknown_symbol = await errorCode(api.basic.ticks({ ticks: 'NOT_A_SYMBOL' }));
    const forgotten = await api.basic.forgetAll('ticks', 'candles');
    summary.forgotten = forgotten.forget_all.length;

    api.basic.disconnect();
    await new Promise((resolve) => out.end(resolve));
    process.stdout.write(`${JSON.stringify(summary)}\n`);
}

const [endpoint, token, framesPath] = process.argv.slice(2);
main(endpoint, token, framesPath).then(
    () => process.exit(0),
    (error) => {
        process.stderr.write(`${(error && error.stack) || JSON.stringify(error)}\n`);
        process.exit(1);
    },
);
