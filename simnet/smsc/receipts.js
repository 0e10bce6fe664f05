'use strict';
// Delivery receipts, stored and forwarded like a real SMSC's: a receipt that no bound
// session took, or that was answered with an error or not at all, is sent again every
// second until a session answers it with ESME_ROK. None is ever dropped.

const smpp = require('smpp');

// What each handset behaviour's receipt says (message_state as in SMPP 3.4 5.3.2.35).
const OUTCOMES = {
	mobile: {stat: 'DELIVRD', err: '000', state: smpp.consts.MESSAGE_STATE.DELIVERED},
	landline: {stat: 'UNDELIV', err: '001', state: smpp.consts.MESSAGE_STATE.UNDELIVERABLE},
	barred: {stat: 'REJECTD', err: '002', state: smpp.consts.MESSAGE_STATE.REJECTED},
	expired: {stat: 'EXPIRED', err: '003', state: smpp.consts.MESSAGE_STATE.EXPIRED},
};
const RETRY_MS = 1000;

// YYMMDDhhmm in UTC, the receipt text's date format.
function receiptDate(ms) {
	const date = new Date(ms);
	return [date.getUTCFullYear() % 100, date.getUTCMonth() + 1, date.getUTCDate(),
		date.getUTCHours(), date.getUTCMinutes()].map((n) => String(n).padStart(2, '0')).join('');
}

// The de facto standard receipt text (SMPP 3.4 appendix B).
function receiptText(receipt) {
	const {stat, err} = receipt.outcome;
	return `id:${receipt.messageId} sub:001 dlvr:${stat === 'DELIVRD' ? '001' : '000'}` +
		` submit date:${receiptDate(receipt.submittedAt)} done date:${receiptDate(receipt.doneAt)}` +
		` stat:${stat} err:${err} text:${receipt.text.slice(0, 20)}`;
}

class Outbox {
	// deliver(fields, done): sends a deliver_sm to a bound session, later calls done with
	// its answer's status (null: no answer); returns false when no session can take it.
	constructor({style, deliver, log}) {
		this.style = style;
		this.deliver = deliver;
		this.log = log;
		this.reset();
	}

	add(submit, messageId, outcome, text, delayMs) {
		const receipt = {
			generation: this.generation, submit, messageId, outcome, text: text || '',
			submittedAt: Date.now(), doneAt: null,
		};
		this.pending++;
		setTimeout(() => this.send(receipt), delayMs);
	}

	send(receipt) {
		if (receipt.generation !== this.generation) {
			return;
		}
		receipt.doneAt = receipt.doneAt || Date.now();
		const taken = this.deliver(this.fields(receipt), (status) => {
			if (receipt.generation !== this.generation) {
				return;
			}
			this.log.write({
				event: 'receipt', at: Date.now(), message_id: receipt.messageId,
				to: receipt.submit.destination_addr, stat: receipt.outcome.stat, status,
			});
			if (status === 0) {
				this.answered++;
				this.pending--;
			} else {
				setTimeout(() => this.send(receipt), RETRY_MS);
			}
		});
		if (taken) {
			this.sent++;
		} else {
			setTimeout(() => this.send(receipt), RETRY_MS);
		}
	}

	// The deliver_sm: from the handset back to the message's sender.
	fields(receipt) {
		const submit = receipt.submit;
		const fields = {
			source_addr_ton: submit.dest_addr_ton,
			source_addr_npi: submit.dest_addr_npi,
			source_addr: submit.destination_addr,
			dest_addr_ton: submit.source_addr_ton,
			dest_addr_npi: submit.source_addr_npi,
			destination_addr: submit.source_addr,
			esm_class: smpp.consts.ESM_CLASS.MC_DELIVERY_RECEIPT,
			data_coding: 0,
			short_message: Buffer.alloc(0),
		};
		if (this.style.includes('text')) {
			fields.short_message = smpp.encodings.ASCII.encode(receiptText(receipt)); // GSM 03.38
		}
		if (this.style.includes('tlv')) {
			fields.receipted_message_id = receipt.messageId;
			fields.message_state = receipt.outcome.state;
		}
		return fields;
	}

	// Forget every receipt not yet answered (their timers find a new generation).
	reset() {
		this.generation = (this.generation || 0) + 1;
		this.pending = 0;
		this.sent = 0;
		this.answered = 0;
	}
}

module.exports = {OUTCOMES, Outbox};
