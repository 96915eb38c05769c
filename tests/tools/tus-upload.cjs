// Uploads a file with the real tus-js-client, dropping the connection once in the middle of a PATCH body and then
// resuming the upload from the offset the server reports.
// Usage: node tus-upload.cjs <endpoint> <file> <bearer-token> <content-type> <cut-after-bytes>
// Prints one JSON line: {"url": "<upload url>", "cutAfter": N, "resumedFrom": N}.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { PassThrough } = require('node:stream');
const tus = require('tus-js-client');

// Wraps tus-js-client's Node HTTP stack: the first PATCH sends only its first `cutAfter` bytes, then its socket is
// destroyed, exactly like a connection lost in the middle of an upload.
class DroppingHttpStack {
  constructor(cutAfter) {
    this.inner = new tus.DefaultHttpStack();
    this.cutAfter = cutAfter;
    this.dropped = false;
  }

  createRequest(method, url) {
    const request = this.inner.createRequest(method, url);
    if (method !== 'PATCH' || this.dropped) {
      return request;
    }

    this.dropped = true;
    const send = request.send.bind(request);
    request.send = (body) => {
      const partial = new PassThrough();
      const sending = send(partial);
      partial.write(Buffer.from(body.subarray(0, this.cutAfter)), () => {
        setImmediate(() => request.getUnderlyingObject().destroy(new Error('connection dropped by the test')));
      });
      return sending;
    };
    return request;
  }

  getName() {
    return 'DroppingHttpStack';
  }
}

function upload(options) {
  return new Promise((resolve, reject) => {
    const settings = {
      endpoint: options.endpoint,
      uploadUrl: options.uploadUrl || null,
      headers: { Authorization: 'Bearer ' + options.token },
      metadata: { filename: options.fileName, filetype: options.contentType },
      chunkSize: Infinity,
      // A 409 while the server still finishes the dropped request is retried after a fresh HEAD.
      retryDelays: options.retryDelays,
      onSuccess() {
        resolve({ url: upload.url, failed: null });
      },
      onError(error) {
        resolve({ url: upload.url, failed: error });
      },
    };
    if (options.httpStack) {
      settings.httpStack = options.httpStack;
    }

    const upload = new tus.Upload(options.data, settings);
    upload.start();
  });
}

async function headOffset(url, token) {
  const response = await fetch(url, { method: 'HEAD', headers: { Authorization: 'Bearer ' + token, 'Tus-Resumable': '1.0.0' } });
  return Number(response.headers.get('upload-offset'));
}

async function main() {
  const [endpoint, file, token, contentType, cutAfterText] = process.argv.slice(2);
  const data = fs.readFileSync(file);
  const fileName = path.basename(file);
  const cutAfter = Number(cutAfterText);

  const first = await upload({ endpoint, data, token, contentType, fileName, retryDelays: null, httpStack: new DroppingHttpStack(cutAfter) });
  if (!first.failed || !first.url) {
    throw new Error('the first upload was expected to fail with a dropped connection');
  }

  // The server keeps what arrived before the drop; wait (bounded) until it has stored some of it.
  let resumedFrom = 0;
  for (let attempt = 0; attempt < 250 && resumedFrom === 0; attempt++) {
    resumedFrom = await headOffset(first.url, token);
    if (resumedFrom === 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const second = await upload({ endpoint, data, token, contentType, fileName, uploadUrl: first.url, retryDelays: [100, 300, 1000] });
  if (second.failed) {
    throw second.failed;
  }

  process.stdout.write(JSON.stringify({ url: second.url, cutAfter, resumedFrom }) + '\n');
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + '\n');
  process.exit(1);
});
