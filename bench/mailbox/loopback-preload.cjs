// Loaded with `node --require` into the reference AgentMailbox server, which
// calls `app.listen(PORT)` and so would bind every interface: every TCP
// listen is pinned to 127.0.0.1, and the first bound port is reported on
// stderr as `bench-loopback-preload: listening 127.0.0.1:PORT` (PORT=0 then
// picks a free port without a race).
"use strict";
const net = require("node:net");

const listen = net.Server.prototype.listen;
let reported = false;

function isPort(value) {
  return typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value));
}

net.Server.prototype.listen = function loopbackListen(...args) {
  const callback = args.find((a) => typeof a === "function");
  const first = args[0];
  let options;
  if (isPort(first) || first === undefined || first === null || typeof first === "function") {
    options = { port: isPort(first) ? Number(first) : 0 };
  } else if (typeof first === "object" && first.path === undefined && first.fd === undefined) {
    options = { ...first };
  }
  if (options === undefined) return listen.apply(this, args); // a unix socket or handle
  options.host = "127.0.0.1";
  delete options.ipv6Only;
  this.once("listening", () => {
    if (reported) return;
    reported = true;
    const address = this.address();
    process.stderr.write(`bench-loopback-preload: listening 127.0.0.1:${address.port}\n`);
  });
  return callback === undefined ? listen.call(this, options) : listen.call(this, options, callback);
};
