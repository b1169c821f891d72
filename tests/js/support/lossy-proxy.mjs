// A bad network between a tablet and the server, on loopback: a TCP proxy
// that delays every chunk (latency with jitter), holds each direction to a
// bandwidth, and cuts every connection after a while, the way a tablet on
// a weak WiFi or 3G link loses its connection again and again. Seeded, so
// a failing run can be replayed with the seed it prints.

import net from "node:net";

/** A small seeded PRNG (mulberry32): the same seed, the same network. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts the proxy in front of `targetPort`. Options: `seed`, `latencyMs`
 * and `jitterMs` per chunk, `bytesPerSecond` each way, and
 * `cutAfterMs: [min, max]`, the life of each connection (the first one
 * lives `firstCutAfterMs` when given).
 * Returns `{ port, stats, close() }`; `stats` counts connections, cuts and
 * bytes carried.
 */
export async function startLossyProxy(targetPort, options) {
  const { seed, latencyMs, jitterMs, bytesPerSecond, cutAfterMs, firstCutAfterMs } = options;
  const random = seededRandom(seed);
  const stats = { connections: 0, cuts: 0, bytesUp: 0, bytesDown: 0 };
  const open = new Set();

  /** Forwards `from` to `to` with delay and a bandwidth cap, in order. */
  const carry = (from, to, counter) => {
    let nextFree = Date.now();
    from.on("data", chunk => {
      const now = Date.now();
      const sendAt = Math.max(now, nextFree) + latencyMs + random() * jitterMs;
      nextFree = Math.max(now, nextFree) + (chunk.length / bytesPerSecond) * 1000;
      setTimeout(() => {
        if (!to.destroyed) {
          stats[counter] += chunk.length;
          to.write(chunk);
        }
      }, sendAt - now);
    });
  };

  const server = net.createServer(client => {
    stats.connections += 1;
    const upstream = net.connect(targetPort, "127.0.0.1");
    open.add(client);
    open.add(upstream);
    carry(client, upstream, "bytesUp");
    carry(upstream, client, "bytesDown");
    const [min, max] = cutAfterMs;
    const life = stats.connections === 1 && firstCutAfterMs !== undefined ? firstCutAfterMs : min + random() * (max - min);
    const cut = setTimeout(() => {
      stats.cuts += 1;
      client.destroy();
      upstream.destroy();
    }, life);
    const end = () => {
      clearTimeout(cut);
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    stats,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise(resolve => server.close(resolve));
    },
  };
}
