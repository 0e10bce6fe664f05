'use strict';
// The simulated SMSC: an operator's SMS centre and the handsets behind it, for tests,
// the benchmark and the demo. The SMPP 3.4 server is node-smpp's, an implementation
// independent of the product's. Usage: node smsc.js CONFIG.json (see simnet/smsc.py).
// Events are appended to the JSON-lines log the config names; control commands arrive
// on stdin, one JSON object a line, and are answered on stdout. When stdin closes (the
// process that started it is gone) the simulator exits.

const crypto = require('crypto');
const fs = require('fs');
const readline = require('readline');
const smpp = require('smpp');
const {EventLog} = require('./eventlog');
const {Handsets, concatenation, decode} = require('./handsets');
const {OUTCOMES, Outbox} = require('./receipts');

const E = smpp.errors;
const SMSC_ID = 'simnet-smsc';
const ANSWER_TIMEOUT_MS = 5000;
const BINDS = {
	bind_transceiver: {send: true, receive: true},
	bind_transmitter: {send: true, receive: false},
	bind_receiver: {send: false, receive: true},
};
const REACHES_PHONE = new Set(['mobile', 'silent']);
const MAX_OCTETS = {0: 160, 8: 140}; // one message, GSM 03.38 septets or UCS-2 octets

// Keep submit_sm's user data raw: the log records its bytes, and handsets.js decodes it
// with node-smpp's own message filter.
delete smpp.commands.submit_sm.params.short_message.filter;
delete smpp.tlvs.message_payload.filter;

const config = {
	host: '127.0.0.1', handsets: {}, default_behaviour: 'mobile', receipt_delay_ms: 200,
	receipt_style: 'text+tlv', ...JSON.parse(fs.readFileSync(process.argv[2], 'utf8')),
};
const log = new EventLog(config.log);
const handsets = new Handsets();
const outbox = new Outbox({style: config.receipt_style, deliver, log});
const bound = new Set();
let sessions = 0;
let turn = 0;
let nextMessageId = crypto.randomInt(2 ** 40); // unique within a run, unlike any other run's
let counters;
let throttle;
let dropAfter;
resetState();

function resetState() {
	counters = {
		submits: 0, accepted: 0, by_status: {}, dropped: 0, handset_messages: 0,
		binds: 0, binds_refused: 0, mo_sent: 0,
	};
	throttle = {count: 0, status: E.ESME_RTHROTTLED};
	dropAfter = 0;
	handsets.reset();
	outbox.reset();
}

function behaviourOf(number) {
	const digits = number.replace(/^\+/, '');
	const national = /^1[0-9]{10}$/.test(digits) ? digits.slice(1) : digits;
	return Object.hasOwn(config.handsets, national)
		? config.handsets[national]
		: config.default_behaviour;
}

function typeOfNumber(number) {
	if (/^1[0-9]{10}$/.test(number)) {
		return smpp.consts.TON.INTERNATIONAL;
	}
	return /^[0-9]{10}$/.test(number) ? smpp.consts.TON.NATIONAL : smpp.consts.TON.UNKNOWN;
}

function onSession(session) {
	session.number = ++sessions;
	session.mode = null; // an entry of BINDS once bound
	session.waiting = new Set(); // requests sent to the ESME, awaiting its answer
	session.on('pdu', (pdu) => onPdu(session, pdu));
	session.on('error', () => session.destroy());
	session.on('close', () => {
		log.write({event: 'close', at: Date.now(), session: session.number});
		bound.delete(session);
		for (const giveUp of session.waiting) {
			giveUp(null);
		}
	});
}

function onPdu(session, pdu) {
	if (pdu.isResponse() || session.dropped) {
		return; // answers go to the callbacks of ask()
	}
	if (pdu.command in BINDS) {
		bind(session, pdu);
	} else if (pdu.command === 'enquire_link') {
		session.send(pdu.response());
	} else if (pdu.command === 'unknown') {
		refuse(session, pdu, E.ESME_RINVCMDID);
	} else if (!session.mode) {
		refuse(session, pdu, E.ESME_RINVBNDSTS);
	} else if (pdu.command === 'unbind') {
		bound.delete(session);
		session.mode = null;
		session.send(pdu.response(), () => session.close());
	} else if (pdu.command === 'submit_sm') {
		if (!session.mode.send) {
			refuse(session, pdu, E.ESME_RINVBNDSTS);
		} else if (!Buffer.isBuffer(pdu.short_message)) {
			refuse(session, pdu, E.ESME_RINVCMDLEN); // the PDU ends before its mandatory fields
		} else {
			submit(session, pdu);
		}
	} else {
		refuse(session, pdu, E.ESME_RINVCMDID);
	}
}

// An error answer: the command's own response, or generic_nack when it has none.
function refuse(session, pdu, status) {
	const response = `${pdu.command}_resp` in smpp.commands ? `${pdu.command}_resp` : 'generic_nack';
	const header = {sequence_number: pdu.sequence_number, command_status: status};
	session.send(new smpp.PDU(response, header));
}

function bind(session, pdu) {
	let status = E.ESME_ROK;
	if (session.mode) {
		status = E.ESME_RALYBND;
	} else if (pdu.system_id !== config.system_id) {
		status = E.ESME_RINVSYSID;
	} else if (pdu.password !== config.password) {
		status = E.ESME_RINVPASWD;
	} else if (pdu.system_type !== config.system_type) {
		status = E.ESME_RINVSYSTYP;
	}
	log.write({
		event: 'bind', at: Date.now(), session: session.number, command: pdu.command,
		system_id: pdu.system_id, system_type: pdu.system_type, status,
	});
	if (status === E.ESME_RALYBND) {
		refuse(session, pdu, status);
	} else if (status !== E.ESME_ROK) {
		counters.binds_refused++;
		session.send(pdu.response({command_status: status}), () => session.close());
	} else {
		counters.binds++;
		session.mode = BINDS[pdu.command];
		bound.add(session);
		session.send(pdu.response({system_id: SMSC_ID, sc_interface_version: 0x34}));
	}
}

function submit(session, pdu) {
	counters.submits++;
	const body = pdu.short_message.length || !pdu.message_payload
		? pdu.short_message
		: pdu.message_payload;
	const {udh, text} = decode(pdu.data_coding, pdu.esm_class, body);
	const event = {
		event: 'submit', at: Date.now(), session: session.number, sequence: pdu.sequence_number,
		status: null, message_id: null,
		source_addr: pdu.source_addr, source_addr_ton: pdu.source_addr_ton,
		source_addr_npi: pdu.source_addr_npi, destination_addr: pdu.destination_addr,
		dest_addr_ton: pdu.dest_addr_ton, dest_addr_npi: pdu.dest_addr_npi,
		esm_class: pdu.esm_class, data_coding: pdu.data_coding,
		registered_delivery: pdu.registered_delivery, udh: concatenation(udh), text,
		hex: body.toString('hex'),
	};
	if (dropAfter > 0 && --dropAfter === 0) {
		counters.dropped++;
		log.write(event);
		log.write({event: 'drop', at: Date.now(), session: session.number});
		session.dropped = true; // like a cut link: no answer, no unbind, nothing more read
		session.pause();
		session.destroy();
		return;
	}
	const behaviour = behaviourOf(pdu.destination_addr);
	if (throttle.count > 0) {
		throttle.count--;
		event.status = throttle.status;
	} else if (behaviour === 'invalid') {
		event.status = E.ESME_RINVDSTADR;
	} else {
		event.status = E.ESME_ROK;
		event.message_id = (nextMessageId++).toString(16).padStart(10, '0');
	}
	counters.by_status[event.status] = (counters.by_status[event.status] || 0) + 1;
	log.write(event); // before the answer: a client that has it finds it in the log
	if (event.status !== E.ESME_ROK) {
		session.send(pdu.response({command_status: event.status}));
		return;
	}
	counters.accepted++;
	if (REACHES_PHONE.has(behaviour)) {
		const shown = handsets.receive({
			to: pdu.destination_addr, from: pdu.source_addr, dataCoding: pdu.data_coding,
			esmClass: pdu.esm_class, body, udh, text,
		});
		if (shown) {
			counters.handset_messages++;
			log.write({
				event: 'handset', at: Date.now(), to: pdu.destination_addr, from: pdu.source_addr,
				text: shown.text, parts: shown.parts, data_coding: shown.dataCoding,
			});
		}
	}
	session.send(pdu.response({message_id: event.message_id}));
	if (pdu.registered_delivery & 1 && behaviour in OUTCOMES) {
		outbox.add(pdu, event.message_id, OUTCOMES[behaviour], text, config.receipt_delay_ms);
	}
}

// Send a request to the ESME and call done once: with its answer's status, or with null
// when the session closes or no answer comes within 5 s.
function ask(session, pdu, done) {
	const finish = (status) => {
		if (session.waiting.delete(finish)) {
			clearTimeout(timer);
			done(status);
		}
	};
	const timer = setTimeout(finish, ANSWER_TIMEOUT_MS, null);
	session.waiting.add(finish);
	if (!session.send(pdu, (answer) => finish(answer.command_status))) {
		finish(null);
	}
}

// A deliver_sm to the next bound session that receives (round robin); false if none.
function deliver(fields, done) {
	const receivers = [...bound].filter((session) => session.mode.receive);
	if (!receivers.length) {
		return false;
	}
	ask(receivers[turn++ % receivers.length], new smpp.PDU('deliver_sm', fields), done);
	return true;
}

function count(value, name) {
	if (!Number.isInteger(value) || value < 0) {
		throw new Error(`${name} must be a whole number >= 0`);
	}
	return value;
}

// Control commands: each calls reply(result) once.
const CONTROL = {
	throttle(command, reply) {
		throttle = {
			count: count(command.count, 'count'),
			status: count(command.status ?? E.ESME_RTHROTTLED, 'status'),
		};
		reply({});
	},
	drop(command, reply) {
		dropAfter = count(command.after, 'after');
		reply({});
	},
	mo(command, reply) {
		const text = String(command.text);
		const dataCoding = command.data_coding ?? (smpp.gsmCoder.GSM.charRegex.test(text) ? 0 : 8);
		if (!(dataCoding in MAX_OCTETS)) {
			throw new Error('data_coding must be 0 (GSM 03.38) or 8 (UCS-2)');
		}
		const body = smpp.encodings[dataCoding === 8 ? 'UCS2' : 'ASCII'].encode(text);
		if (body.length > MAX_OCTETS[dataCoding]) {
			throw new Error('the text does not fit in one message');
		}
		const fields = {
			source_addr_ton: typeOfNumber(command.from), source_addr_npi: smpp.consts.NPI.ISDN,
			source_addr: command.from,
			dest_addr_ton: typeOfNumber(command.to), dest_addr_npi: smpp.consts.NPI.ISDN,
			destination_addr: command.to,
			esm_class: 0, data_coding: dataCoding, short_message: body,
		};
		const taken = deliver(fields, (status) => {
			log.write({
				event: 'mo', at: Date.now(), from: command.from, to: command.to, text,
				data_coding: dataCoding, status,
			});
			reply(status === null ? {ok: false, error: 'no answer within 5 s'} : {status});
		});
		if (!taken) {
			throw new Error('no bound session receives messages');
		}
		counters.mo_sent++;
	},
	stats(command, reply) {
		reply({
			stats: {
				...counters, receipts_sent: outbox.sent, receipts_answered: outbox.answered,
				receipts_pending: outbox.pending, bound: bound.size,
			},
		});
	},
	reset(command, reply) {
		resetState();
		log.truncate();
		reply({});
	},
};

function onControl(line) {
	let command = {};
	const reply = (result) => {
		process.stdout.write(JSON.stringify({id: command.id, ok: true, ...result}) + '\n');
	};
	try {
		command = JSON.parse(line);
		if (!Object.hasOwn(CONTROL, command.cmd)) {
			throw new Error(`unknown command ${JSON.stringify(command.cmd)}`);
		}
		CONTROL[command.cmd](command, reply);
	} catch (error) {
		reply({ok: false, error: error.message});
	}
}

const server = smpp.createServer(config.tls
	? {key: fs.readFileSync(config.tls.key), cert: fs.readFileSync(config.tls.cert)}
	: {}, onSession);
server.on('error', (error) => {
	process.stderr.write(`smsc: ${error.message}\n`);
	process.exit(1);
});
server.listen(config.port, config.host, () => {
	const event = {event: 'listening', at: Date.now(), port: server.address().port};
	log.write(event);
	process.stdout.write(JSON.stringify(event) + '\n');
	readline.createInterface({input: process.stdin})
		.on('line', onControl)
		.on('close', () => process.exit(0));
});
