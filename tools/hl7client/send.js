// send.js - sends HL7 v2 messages over MLLP with simple-hl7 (an HL7
// client nobody here wrote, pinned in package-lock.json) and prints each
// ACK as that library parses it.  The hl7 contract tests drive the
// service with it.
//
//   node send.js HOST PORT < messages.json
//   node send.js HOST PORT < messages.hl7
//
// messages.json: [{"msh": [MSH-3, MSH-4, ..., MSH-12], "segments":
// ["PID|1||...", ...]}, ...]; fields are HL7 text as written.
// messages.hl7: plain HL7 as docs/hl7.md's examples write it, one segment
// a line, each message from its MSH line (blank lines between messages
// allowed; MSH-1 and MSH-2 must be the usual |^~\&).  Each is sent after
// the previous one's ACK, on one connection per sending system (MSH-3 and
// MSH-4), as the interface wants.  Output: a
// JSON list of {"msa": [MSA-1, MSA-2], "err": ERR-2, "code": ERR-3.1,
// "text": ERR-8, "raw": the ACK}.
//
// Over TLS (the service off a trusted network): HL7_TLS_CA, HL7_TLS_CERT
// and HL7_TLS_KEY name PEM files (the CA that signed the service's
// certificate, the sender's certificate and key), HL7_TLS_SERVERNAME the
// name the service's certificate must carry (default: HOST).
//
// In another character set (a Chinese HIS's GB 18030 or GBK):
// HL7_CHARSET names it as iconv-lite does ("gb18030", "gbk"); the messages
// are read as UTF-8 as ever, written to the wire in that set, and the
// ACKs read from it; each summary's "wire" is the ACK's bytes as they
// came (base64), for the caller to decode itself.  Set MSH-18 to match.
'use strict';

const fs = require('fs');
const net = require('net');
const tls = require('tls');
const hl7 = require('simple-hl7');
const iconv = require('iconv-lite');

// The ACK bytes of the current message, as they came (HL7_CHARSET).
let wire = [];

// useTls: simple-hl7's TCP client opens its socket with net.connect and
// has no TLS option; give it node's tls.connect with the same host and
// port and the sender's certificate, verifying the service's.  Framing,
// ACK parsing and keepalive stay the library's own.
function useTls(host) {
  const env = process.env;
  if (!env.HL7_TLS_CA) return;
  const opts = {
    ca: fs.readFileSync(env.HL7_TLS_CA),
    cert: fs.readFileSync(env.HL7_TLS_CERT),
    key: fs.readFileSync(env.HL7_TLS_KEY),
    servername: env.HL7_TLS_SERVERNAME || host,
    minVersion: 'TLSv1.2',
  };
  net.connect = (o, onConnect) => tls.connect({ ...o, ...opts }, onConnect);
}

// useCharset: simple-hl7 writes each message as a string and reads ACKs
// with data.toString() (UTF-8 both ways) and has no encoding option: the
// socket it gets encodes what it writes in HL7_CHARSET and hands it the
// ACK's text decoded from that set.  Framing and parsing stay its own.
function useCharset() {
  const cs = process.env.HL7_CHARSET;
  if (!cs) return;
  const open = net.connect;
  net.connect = (o, onConnect) => {
    const sock = open(o, onConnect);
    const decoder = iconv.getDecoder(cs);
    const write = sock.write.bind(sock);
    const emit = sock.emit.bind(sock);
    sock.write = (d, ...rest) => write(typeof d === 'string' ? iconv.encode(d, cs) : d, ...rest);
    sock.emit = (ev, d, ...rest) => {
      if (ev !== 'data' || !Buffer.isBuffer(d)) return emit(ev, d, ...rest);
      wire.push(d);
      return emit(ev, decoder.write(d), ...rest);
    };
    return sock;
  };
}

function build(m) {
  const msg = new hl7.Message(...m.msh.map((f) => f.includes('^') ? f.split('^') : f));
  for (const s of m.segments) {
    const parts = s.split('|');
    msg.addSegment(...parts);
  }
  return msg;
}

function field(seg, i) {
  if (!seg) return '';
  const f = seg.getField(i);
  return f === undefined || f === null ? '' : String(f);
}

function summary(ack) {
  const msa = ack.getSegment('MSA');
  const err = ack.getSegment('ERR');
  return {
    msa: [field(msa, 1), field(msa, 2)],
    err: err ? err.fields[1].toString(ack.header.delimiters) : '',
    code: err ? String(err.getComponent(3, 1)) : '',
    text: field(err, 8),
    raw: ack.toString(),
    wire: Buffer.concat(wire).toString('base64'),
  };
}

function readPlain(text) {
  const msgs = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.trim() === '') continue;
    if (line.startsWith('MSH|')) {
      if (!line.startsWith('MSH|^~\\&|')) {
        throw new Error('MSH-2 must be ^~\\&: ' + line);
      }
      msgs.push({ msh: line.split('|').slice(2), segments: [] });
    } else if (msgs.length) {
      msgs[msgs.length - 1].segments.push(line);
    } else {
      throw new Error('a segment before the first MSH: ' + line);
    }
  }
  return msgs;
}

function main() {
  const [host, port] = process.argv.slice(2);
  const input = fs.readFileSync(0, 'utf8');
  let messages;
  try {
    messages = input.trimStart().startsWith('[') ? JSON.parse(input) : readPlain(input);
  } catch (e) {
    process.stderr.write('send.js: ' + e.message + '\n');
    process.exit(1);
  }
  const out = [];
  // A connection the service closes unanswered ends the process with
  // nothing left to wait for: say so rather than print nothing.
  process.on('exit', (code) => {
    if (code === 0 && out.length < messages.length) {
      process.stderr.write('send.js: connection closed after ' + out.length +
        ' of ' + messages.length + ' ACKs\n');
      process.exitCode = 1;
    }
  });
  useTls(host);
  useCharset();
  const connect = () => hl7.Server.createTcpClient({ host, port: Number(port), keepalive: true });
  let client = connect();
  let sender = null;
  let i = 0;
  const next = () => {
    if (i === messages.length) {
      client.close();
      process.stdout.write(JSON.stringify(out) + '\n');
      return;
    }
    const from = String(messages[i].msh[0]) + '@' + String(messages[i].msh[1]);
    if (sender !== null && from !== sender) {
      client.close();
      client = connect();
    }
    sender = from;
    client.send(build(messages[i++]), (err, ack) => {
      if (err) {
        process.stderr.write('send.js: ' + err.message + '\n');
        process.exit(1);
      }
      out.push(summary(ack));
      wire = [];
      // simple-hl7 clears its "awaiting response" flag after the
      // callback returns: send the next message on the next turn.
      setImmediate(next);
    });
  };
  next();
}

main();
