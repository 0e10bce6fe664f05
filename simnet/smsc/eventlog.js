'use strict';
// The event log: one JSON object a line, appended at once, so that a test reading
// the file sees every event up to the moment it reads.

const fs = require('fs');

class EventLog {
	constructor(path) {
		this.fd = fs.openSync(path, 'a');
	}

	write(event) {
		fs.writeSync(this.fd, JSON.stringify(event) + '\n');
	}

	truncate() {
		fs.ftruncateSync(this.fd, 0); // the file is opened to append: the next line goes first
	}
}

module.exports = {EventLog};
