'use strict';
// What the phones show. Text is decoded by node-smpp's own codecs (GSM 03.38, UCS-2...)
// according to data_coding, and concatenated parts are put together the way a handset
// does, so the log is an independent reading of what the product sent.

const smpp = require('smpp');

const UDH_INDICATOR = 0x40;

// The user data header and the decoded text of a short_message (text null when
// node-smpp has no codec for the data_coding, e.g. 8-bit binary).
function decode(dataCoding, esmClass, body) {
	const decoded = smpp.filters.message.decode.call(
		{data_coding: dataCoding, esm_class: esmClass}, body);
	return {
		udh: decoded.udh || [],
		text: typeof decoded.message === 'string' ? decoded.message : null,
	};
}

// The concatenation element of a header (8-bit reference 0x00, 16-bit 0x08), or null.
function concatenation(udh) {
	for (const element of udh) {
		if (element[0] === 0x00 && element[1] === 3 && element.length >= 5) {
			return {reference: element[2], total: element[3], part: element[4]};
		}
		if (element[0] === 0x08 && element[1] === 4 && element.length >= 6) {
			return {reference: element.readUInt16BE(2), total: element[4], part: element[5]};
		}
	}
	return null;
}

// The user data after the header: what the parts of one message add up to.
function userData(esmClass, body) {
	return esmClass & UDH_INDICATOR && body.length ? body.subarray(body[0] + 1) : body;
}

class Handsets {
	constructor() {
		this.partial = new Map();
	}

	// The message a phone shows once this part is in ({text, parts}), or null while
	// parts are missing. A part received twice counts once.
	receive({to, from, dataCoding, esmClass, body, udh, text}) {
		const concat = concatenation(udh);
		if (!concat || concat.total < 2 || concat.part < 1 || concat.part > concat.total) {
			return {text, parts: 1, dataCoding};
		}
		const key = [to, from, concat.reference, concat.total].join(' ');
		const parts = this.partial.get(key) || new Map();
		this.partial.set(key, parts);
		parts.set(concat.part, {dataCoding, data: userData(esmClass, body)});
		if (parts.size < concat.total) {
			return null;
		}
		this.partial.delete(key);
		const ordered = Array.from({length: concat.total}, (_, i) => parts.get(i + 1));
		const first = ordered[0].dataCoding;
		const whole = Buffer.concat(ordered.map((part) => part.data));
		return {text: decode(first, 0, whole).text, parts: concat.total, dataCoding: first};
	}

	reset() {
		this.partial.clear();
	}
}

module.exports = {Handsets, concatenation, decode};
