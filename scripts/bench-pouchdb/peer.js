// The PouchDB peer of the P-4/P-5 first-sync benchmark (tests/examples/first_sync_bench): a
// PouchDB server (express-pouchdb, gzip on) and a PouchDB client, both in memory, in this one
// process on loopback, replicating the documents of a JSON-lines file (one document a line, as
// the benchmark wrote the leader's pulled feed items).
//
// Usage: node peer.js <docs.jsonl> [batch sizes, comma-separated; default 500,1000]
//
// The documents are loaded into the server's database first (not timed). Then, for each batch
// size, a fresh client database pulls them all (`replicate.from`), timed; then a second pull with
// nothing new, then a third (steady state). Bytes are counted on the server's sockets
// (`bytesRead`: what the client sent, `bytesWritten`: what it received, HTTP heads included) and
// requests by the server. Prints one JSON line on stdout.
'use strict';

const fs = require('fs');
const http = require('http');
const readline = require('readline');

const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'))
  .plugin(require('pouchdb-mapreduce'));
const MemoryPouch = PouchDB.defaults({ adapter: 'memory' });
const expressPouchDB = require('express-pouchdb');

async function readDocs(file) {
  const docs = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim()) docs.push(JSON.parse(line));
  }
  return docs;
}

async function main() {
  const [file, sizes] = process.argv.slice(2);
  if (!file) throw new Error('usage: node peer.js <docs.jsonl> [batch sizes]');
  const batchSizes = (sizes || '500,1000').split(',').map(Number);
  const docs = await readDocs(file);
  const jsonBytes = docs.reduce((sum, d) => sum + Buffer.byteLength(JSON.stringify(d)), 0);

  const app = expressPouchDB(MemoryPouch, {
    mode: 'minimumForPouchDB',
    inMemoryConfig: true,
    logPath: '/dev/null',
  });
  let requests = 0;
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    requests += 1;
    app(req, res);
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/leader`;

  const source = new MemoryPouch('leader');
  for (let i = 0; i < docs.length; i += 1000) {
    await source.bulkDocs(docs.slice(i, i + 1000));
  }
  const info = await source.info();
  if (info.doc_count !== docs.length) {
    throw new Error(`the server holds ${info.doc_count} documents of ${docs.length}`);
  }

  const counts = () => {
    let up = 0;
    let down = 0;
    for (const s of sockets) {
      up += s.bytesRead;
      down += s.bytesWritten;
    }
    return { requests, up, down };
  };
  const since = (a, b) => ({ requests: b.requests - a.requests, up: b.up - a.up, down: b.down - a.down });

  const runs = [];
  for (const [n, batchSize] of batchSizes.entries()) {
    const client = new MemoryPouch(`client-${n}`);
    const remote = new MemoryPouch(url, { adapter: 'http' });
    let before = counts();
    let started = process.hrtime.bigint();
    const result = await client.replicate.from(remote, { batch_size: batchSize });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const first = since(before, counts());
    const held = (await client.info()).doc_count;
    if (result.docs_written !== docs.length || held !== docs.length) {
      throw new Error(`replication wrote ${result.docs_written}, holds ${held} of ${docs.length}`);
    }
    const again = [];
    for (let k = 0; k < 2; k++) {
      before = counts();
      started = process.hrtime.bigint();
      const nothing = await client.replicate.from(remote, { batch_size: batchSize });
      const s = Number(process.hrtime.bigint() - started) / 1e9;
      if (nothing.docs_written !== 0) throw new Error('a sync with nothing new wrote documents');
      again.push({ seconds: s, ...since(before, counts()) });
    }
    runs.push({ batch_size: batchSize, seconds, ...first, nothing_new: again[0], steady: again[1] });
    await client.destroy();
    await remote.close();
  }
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  process.stdout.write(
    JSON.stringify({
      peer: 'pouchdb',
      pouchdb_version: require('pouchdb-core/package.json').version,
      documents: docs.length,
      json_bytes: jsonBytes,
      best,
      runs,
    }) + '\n',
  );
  server.close();
  for (const s of sockets) s.destroy();
}

main().catch((e) => {
  process.stderr.write(`pouchdb peer: ${e.stack || e}\n`);
  process.exit(1);
});
