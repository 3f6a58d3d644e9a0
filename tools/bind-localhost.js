// Preloaded into Frappe's realtime (socket.io) server by tools/demo.py: it listens on every
// interface by default, and the demo serves on 127.0.0.1 only.
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
	if (typeof args[0] === "number") {
		return listen.call(this, args[0], "127.0.0.1", ...args.slice(1));
	}
	return listen.apply(this, args);
};
