// The in-browser check of the verification page (docs/verification.md, "The verification
// page"). It trusts nothing the server computed: from the fields the page displays, the
// receipt text and the verifier key, it recomputes the content hash (RFC 8785 + SHA-256),
// the log leaf, the inclusion path to the signed root (RFC 9162) and the Ed25519
// signature of the checkpoint (C2SP signed note), with WebCrypto. For a period it also
// rebuilds every record's hash, the period root and the checkpoint's own log entry.
'use strict';

(function () {
  const subtle = window.crypto && window.crypto.subtle;
  const encoder = new TextEncoder();
  const verdict = document.getElementById('browser-verdict');
  const steps = document.getElementById('browser-steps');
  const form = document.getElementById('check-form');
  if (!verdict || !steps) return;

  class Failure extends Error {}

  // RFC 8785: members sorted by UTF-16 code units (what Array.prototype.sort does to
  // strings), strings and numbers as ECMAScript's JSON.stringify writes them.
  function canonical(value) {
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Failure('a number that JSON cannot hold');
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
    return '{' + Object.keys(value).sort().map((key) => JSON.stringify(key) + ':' + canonical(value[key])).join(',') + '}';
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) { out.set(part, at); at += part.length; }
    return out;
  }
  async function sha256(bytes) { return new Uint8Array(await subtle.digest('SHA-256', bytes)); }
  const leafHash = (data) => sha256(concat([0], data));
  // The log holds a commitment to an entry's clear leaf (its opening), or, for a leaf written
  // before commitments, the opening itself (docs/verification.md, "What a public leaf shows").
  async function commitmentLeaf(opening) {
    const commitment = await sha256(concat(encoder.encode('pacspace:leaf-commitment:v1'), [0], opening));
    return encoder.encode(canonical({ commitment: '0x' + hex(commitment), type: 'commitment', v: 1 }));
  }
  const nodeHash = (left, right) => sha256(concat([1], left, right));
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  function fromHex(text) {
    if (!/^([0-9a-f]{2})*$/.test(text)) throw new Failure('not hex: ' + text);
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }
  function fromBase64(text) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Failure('not base64: ' + text);
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  // Exact decimal amounts as micro-units (BigInt): sums without floating point.
  function micros(text) {
    const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
    if (!match) throw new Failure('not an amount: ' + text);
    const value = BigInt(match[2]) * 1000000n + BigInt((match[3] || '').padEnd(6, '0'));
    return match[1] ? -value : value;
  }

  // The displayed fields of an element: data-field elements, typed by data-type,
  // absent when marked data-absent.
  function fields(root) {
    const out = {};
    for (const element of root.querySelectorAll('[data-field]')) {
      if (element.hasAttribute('data-absent')) continue;
      const text = element.textContent;
      const type = element.getAttribute('data-type');
      const name = element.getAttribute('data-field');
      if (type === 'integer') {
        if (!/^-?\d+$/.test(text.trim())) throw new Failure(name + ' is not an integer');
        out[name] = Number(text.trim());
      } else if (type === 'json') {
        try { out[name] = JSON.parse(text); } catch (e) { throw new Failure(name + ' is not JSON'); }
      } else {
        out[name] = text.trim();
      }
    }
    return out;
  }

  // docs/verification.md, "Content hash of a delta".
  async function contentHash(f) {
    const content = {
      recordId: f.recordId, customerId: f.customerId, sequenceNumber: f.sequenceNumber,
      delta: f.delta, reason: f.reason, createdAt: f.createdAt,
    };
    if ('referenceId' in f) content.referenceId = f.referenceId;
    if ('metadata' in f) content.metadata = f.metadata;
    if ('adjusts' in f) content.adjusts = { referenceId: f.adjusts };
    return sha256(concat(encoder.encode('pacspace:delta:v1'), [0], encoder.encode(canonical(content))));
  }

  // c2sp.org/tlog-proof: index, hashes, then the signed checkpoint.
  function parseReceipt(text) {
    const split = text.indexOf('\n\n');
    if (split < 0) throw new Failure('the receipt has no checkpoint');
    const lines = text.slice(0, split).split('\n');
    if (lines.shift() !== 'c2sp.org/tlog-proof@v1') throw new Failure('not a c2sp.org/tlog-proof@v1 receipt');
    if (lines[0] && lines[0].startsWith('extra ')) lines.shift();
    const index = /^index (\d+)$/.exec(lines.shift() || '');
    if (!index) throw new Failure('the receipt has no index line');
    const hashes = lines.map((line) => {
      const bytes = fromBase64(line);
      if (bytes.length !== 32) throw new Failure('a proof line is not a 32-byte hash');
      return bytes;
    });
    return { index: BigInt(index[1]), hashes, note: text.slice(split + 2) };
  }

  // A C2SP verifier key: <name>+<hex key id>+<base64(type ‖ Ed25519 public key)>, type 0x01
  // for a note signer (c2sp.org/signed-note), 0x04 for a cosigner (c2sp.org/tlog-cosignature).
  async function parseKey(text, type = 1) {
    // The name holds no '+'; the base64 may.
    const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
    if (!match) throw new Failure('not a verifier key (name+keyid+key)');
    const raw = fromBase64(match[3]);
    if (raw.length !== 33 || raw[0] !== type) throw new Failure('not an Ed25519 ' + (type === 1 ? 'verifier' : 'cosigner') + ' key');
    const id = (await sha256(concat(encoder.encode(match[1] + '\n'), raw))).slice(0, 4);
    if (hex(id) !== match[2]) throw new Failure('the key id does not match the key');
    return { name: match[1], id, publicKey: raw.slice(1) };
  }

  // c2sp.org/signed-note + tlog-checkpoint: the body's origin, size and root, signed.
  async function openCheckpoint(note, key) {
    const split = note.indexOf('\n\n');
    if (split < 0) throw new Failure('the checkpoint has no signatures');
    const body = note.slice(0, split + 1);
    const lines = body.split('\n');
    if (lines[0] !== key.name) throw new Failure('the checkpoint is of log "' + lines[0] + '", the key of "' + key.name + '"');
    if (!/^\d+$/.test(lines[1] || '')) throw new Failure('the checkpoint has no tree size');
    const root = fromBase64(lines[2] || '');
    if (root.length !== 32) throw new Failure('the checkpoint has no root hash');
    let signed = false;
    for (const line of note.slice(split + 2).split('\n')) {
      const match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!match || match[1] !== key.name) continue;
      const bytes = fromBase64(match[2]);
      if (bytes.length !== 68 || !equal(bytes.slice(0, 4), key.id)) continue;
      const publicKey = await subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
      signed = await subtle.verify({ name: 'Ed25519' }, publicKey, bytes.slice(4), encoder.encode(body));
      if (signed) break;
    }
    if (!signed) throw new Failure('no valid signature by this key');
    return { size: BigInt(lines[1]), root };
  }

  // c2sp.org/tlog-cosignature: a line "— <name> base64(key id ‖ time, 8 bytes ‖ signature)"
  // whose Ed25519 signature covers "cosignature/v1\ntime <time>\n" and the checkpoint body.
  // The time it states when one line of `key` verifies, else null.
  async function cosignedAt(note, key) {
    const split = note.indexOf('\n\n');
    const body = note.slice(0, split + 1);
    for (const line of note.slice(split + 2).split('\n')) {
      const match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!match || match[1] !== key.name) continue;
      const bytes = fromBase64(match[2]);
      if (bytes.length !== 76 || !equal(bytes.slice(0, 4), key.id)) continue;
      const time = bytes.slice(4, 12).reduce((t, b) => (t << 8n) | BigInt(b), 0n);
      const publicKey = await subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
      const message = concat(encoder.encode('cosignature/v1\ntime ' + time + '\n'), encoder.encode(body));
      if (await subtle.verify({ name: 'Ed25519' }, publicKey, bytes.slice(12), message)) return time;
    }
    return null;
  }

  // c2sp.org/tlog-policy's quorum as the page states it: true, a witness's name, or {k, of}.
  function holds(rule, cosigned) {
    if (rule === true) return true;
    if (typeof rule === 'string') return cosigned.has(rule);
    return rule.of.filter((member) => holds(member, cosigned)).length >= rule.k;
  }

  function secondsText(time) {
    const date = new Date(Number(time) * 1000);
    return Number.isFinite(date.getTime()) ? date.toISOString().replace('.000Z', 'Z') : time + ' s after 1970';
  }

  // The witnesses (docs/witnesses.md, "Witnessed receipts"): the receipt's environment
  // checkpoint is a leaf of the server log under a checkpoint signed by the server log's key,
  // and that checkpoint's cosignatures meet the quorum. Nothing to do before it is witnessed.
  async function checkWitnesses(environmentNote) {
    const table = document.getElementById('witnesses');
    const text = document.getElementById('server-log-receipt');
    if (!table || !text) return;
    const serverKey = await parseKey(document.getElementById('server-log-key').value);
    const proof = parseReceipt(text.value.replace(/\r\n/g, '\n'));
    const checkpoint = await openCheckpoint(proof.note, serverKey);
    step(true, 'server-log checkpoint signed by ' + serverKey.name + ': tree size ' + checkpoint.size);
    const root = await rootFromInclusion(await leafHash(encoder.encode(environmentNote)), proof.index, checkpoint.size, proof.hashes);
    expect(equal(root, checkpoint.root), 'the server-log proof leads from this environment checkpoint to another root than the signed one');
    step(true, 'the environment checkpoint is entry ' + proof.index + ' of the server log');
    const cosigned = new Set();
    for (const row of table.querySelectorAll('tr[data-witness]')) {
      const cell = row.querySelector('[data-browser]');
      const time = await cosignedAt(proof.note, await parseKey(row.getAttribute('data-key'), 4));
      cell.className = time === null ? 'bad' : 'ok';
      cell.textContent = time === null ? '\u2717 no valid cosignature' : '\u2713 cosigned ' + secondsText(time);
      if (time !== null) cosigned.add(row.getAttribute('data-name'));
    }
    expect(holds(JSON.parse(table.getAttribute('data-quorum')), cosigned), 'the valid cosignatures do not meet the policy\u2019s quorum');
    step(true, 'cosignatures checked (' + Array.from(cosigned).join(', ') + '): the policy\u2019s quorum is met');
  }

  // RFC 9162 §2.1.3.2.
  async function rootFromInclusion(leaf, index, size, path) {
    if (index >= size) throw new Failure('the index is past the tree');
    let fn = index, sn = size - 1n, r = leaf;
    for (const p of path) {
      if (sn === 0n) throw new Failure('the inclusion proof is too long');
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n; sn >>= 1n;
    }
    if (sn !== 0n) throw new Failure('the inclusion proof is too short');
    return r;
  }

  // RFC 9162 Merkle Tree Hash over already-hashed leaves.
  async function treeHash(leaves) {
    if (leaves.length === 0) return sha256(new Uint8Array(0));
    if (leaves.length === 1) return leaves[0];
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return nodeHash(await treeHash(leaves.slice(0, k)), await treeHash(leaves.slice(k)));
  }

  function step(ok, text) {
    const item = document.createElement('li');
    item.className = ok === true ? 'ok' : ok === false ? 'bad' : 'skip';
    item.textContent = (ok === true ? '\u2713 ' : ok === false ? '\u2717 ' : '\u2013 ') + text;
    steps.appendChild(item);
  }
  function expect(condition, message) { if (!condition) throw new Failure(message); }

  async function checkDelta(entry) {
    const f = fields(entry);
    let hash = fromHex((f.contentHash || '').replace(/^0x/, ''));
    if ('recordId' in f) {
      const computed = await contentHash(f);
      expect(equal(computed, hash), 'the displayed fields hash to 0x' + hex(computed) + ', not the stated content hash');
      step(true, 'content hash recomputed from the displayed fields');
    } else {
      step(null, 'content hash: the fields are not shown through this link');
    }
    return encoder.encode(canonical({ contentHash: '0x' + hex(hash), receiptId: f.receiptId, type: 'delta', v: 1 }));
  }

  // A record entry (docs/records.md): its record hash (v2) from the displayed fields and their
  // salts, its entry hash from the record, its position and that hash, then its log leaf.
  async function checkRecordEntry(entry) {
    const f = fields(entry);
    const entryHash = fromHex((f.entryHash || '').replace(/^0x/, ''));
    if ('recordHash' in f) {
      const hashes = [];
      for (const row of document.querySelectorAll('#fields tr[data-leaf]')) {
        const r = fields(row);
        const message = encoder.encode(canonical([r.pointer, r.value]));
        hashes.push(await sha256(concat(encoder.encode('pacspace:record-leaf:v2'), [0], fromHex(r.salt.replace(/^0x/, '')), message)));
      }
      hashes.sort((a, b) => { for (let i = 0; i < 32; i++) { if (a[i] !== b[i]) return a[i] - b[i]; } return 0; });
      const recordHash = await sha256(concat(encoder.encode('pacspace:record:v2'), [0, hashes.length >> 8, hashes.length & 255], ...hashes));
      expect('0x' + hex(recordHash) === f.recordHash, 'the displayed fields hash to 0x' + hex(recordHash) + ', not the stated record hash');
      step(true, 'record hash recomputed from ' + hashes.length + ' displayed fields');
      const committed = { lifecycle: f.lifecycle, recordHash: f.recordHash, recordHashVersion: 2, recordKey: f.recordKey, recordType: f.recordType, seq: f.seq };
      const computed = await sha256(concat(encoder.encode('pacspace:record-entry:v1'), [0], encoder.encode(canonical(committed))));
      expect(equal(computed, entryHash), 'the entry hashes to 0x' + hex(computed) + ', not the stated entry hash');
      step(true, 'entry hash recomputed from its record, position, lifecycle and record hash');
    } else {
      step(null, 'entry hash: what the entry says is not shown through this link');
    }
    return encoder.encode(canonical({ entryHash: '0x' + hex(entryHash), recordKey: f.recordKey, seq: f.seq, type: 'record-entry', v: 1 }));
  }

  async function checkPeriod(entry, key) {
    const f = fields(entry);
    const version = Number(entry.getAttribute('data-root-version'));
    expect(micros(f.startingBalance) + micros(f.netChange) === micros(f.endingBalance), 'starting balance + net change is not the ending balance');
    step(true, 'starting balance + net change = ending balance');
    if (!('scope' in f)) {
      step(null, 'period root: the records are not shown through this link');
      const leaf = document.getElementById('leaf-hash');
      return { leafHash: fromHex(leaf.textContent.trim().replace(/^0x/, '')) };
    }
    const rows = Array.from(document.querySelectorAll('#records tr[data-record]'));
    if (rows.length > 0 || f.deltaCount === 0) {
      expect(rows.length === f.deltaCount, rows.length + ' records listed, ' + f.deltaCount + ' stated');
      const hashes = [];
      let net = 0n;
      for (const row of rows) {
        const r = fields(row);
        const computed = await contentHash(r);
        expect(equal(computed, fromHex(r.contentHash.replace(/^0x/, ''))), 'record ' + r.sequenceNumber + ' does not hash to its content hash');
        hashes.push(computed);
        net += micros(r.delta);
      }
      step(true, rows.length + ' records rehashed from their displayed fields');
      expect(net === micros(f.netChange), 'the records add up to a different net change');
      step(true, 'the records add up to the net change');
      const leaves = [];
      if (version === 2) leaves.push(await leafHash(encoder.encode(canonical({ origin: key.name, scope: f.scope, type: 'period', v: 2 }))));
      for (const hash of hashes) leaves.push(await leafHash(hash));
      const root = await treeHash(leaves);
      expect('0x' + hex(root) === f.proofRoot, 'the records make the root 0x' + hex(root) + ', not the stated proof root');
      step(true, 'period root rebuilt from the records (v' + version + ')');
    } else {
      step(null, 'period root: the records are not listed on this page');
    }
    const leaf = { checkpointId: f.checkpointId, deltaCount: f.deltaCount, netChange: f.netChange, proofRoot: f.proofRoot, scope: f.scope, type: 'checkpoint', v: version };
    return { data: encoder.encode(canonical(leaf)) };
  }

  async function check() {
    steps.textContent = '';
    verdict.textContent = 'checking…';
    verdict.setAttribute('data-browser-verdict', '');
    const started = performance.now();
    try {
      if (!subtle) {
        throw new Failure('this browser offers no WebCrypto here: it does so only over https (or on this machine). ' +
          'Open the page over https, or use pacspace verify-receipt with the files below.');
      }
      const key = await parseKey(document.getElementById('verifier-key').value);
      step(true, 'verifier key parsed: log ' + key.name);
      const entry = document.getElementById('entry');
      let opening, leaves;
      if (entry.getAttribute('data-kind') === 'delta') {
        opening = await checkDelta(entry);
      } else if (entry.getAttribute('data-kind') === 'record-entry') {
        opening = await checkRecordEntry(entry);
      } else {
        const period = await checkPeriod(entry, key);
        if (period.leafHash) leaves = [{ hash: period.leafHash, text: 'log leaf hash (as the server states it)' }];
        else opening = period.data;
      }
      if (!leaves) {
        leaves = [
          { hash: await leafHash(await commitmentLeaf(opening)), text: 'log leaf: a commitment to the entry' },
          { hash: await leafHash(opening), text: 'log leaf: the entry in clear (written before commitments)' },
        ];
      }
      const receipt = parseReceipt(document.getElementById('receipt-text').value.replace(/\r\n/g, '\n'));
      const checkpoint = await openCheckpoint(receipt.note, key);
      step(true, 'checkpoint signed by the key: tree size ' + checkpoint.size);
      let included = null;
      for (const leaf of leaves) {
        const root = await rootFromInclusion(leaf.hash, receipt.index, checkpoint.size, receipt.hashes);
        if (equal(root, checkpoint.root)) { included = leaf; break; }
      }
      expect(included !== null, 'the inclusion proof leads from this entry to another root than the signed one');
      step(true, included.text + ', hash 0x' + hex(included.hash).slice(0, 16) + '…');
      step(true, 'inclusion proof leads from entry ' + receipt.index + ' to the signed root');
      await checkWitnesses(receipt.note);
      verdict.textContent = 'verified';
      verdict.setAttribute('data-browser-verdict', 'verified');
    } catch (error) {
      step(false, error instanceof Failure ? error.message : 'check failed: ' + error);
      verdict.textContent = 'failed';
      verdict.setAttribute('data-browser-verdict', 'failed');
    }
    verdict.setAttribute('data-millis', String(Math.round(performance.now() - started)));
  }

  if (form) form.addEventListener('submit', (event) => { event.preventDefault(); check(); });
  check();
})();
