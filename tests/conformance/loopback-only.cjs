// loopback-only.cjs: `node --require ./loopback-only.cjs ...` makes every TCP
// server of that process listen on 127.0.0.1, whatever host the program asked
// for. supergateway 4.0.0 listens on all interfaces and has no option to pick
// one; the conformance runner preloads this so the bridge (and the server
// behind it) is never reachable from another machine. (Same as the snippet in
// docs/clients.md.)
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    const rest = args.slice(1).filter((a) => typeof a !== "string"); // drop a host argument
    return listen.call(this, Number(first), "127.0.0.1", ...rest);
  }
  if (first && typeof first === "object" && !(first instanceof net.Server) && !("path" in first)) {
    return listen.call(this, { ...first, host: "127.0.0.1" }, ...args.slice(1));
  }
  return listen.apply(this, args);
};
