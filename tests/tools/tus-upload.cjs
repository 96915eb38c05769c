// Uploads a file with the real tus-js-client, interrupting the upload once and resuming it from the server's offset.
// Usage: node tus-upload.cjs <endpoint> <file> <bearer-token> <content-type> <interrupt-after-bytes>
// Prints one JSON line: {"url": "<upload url>", "interruptedAt": N, "resumedFrom": N}.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const tus = require('tus-js-client');

function upload(options) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn, value) => {
      if (!settled) {
        settled = true;
        fn(value);
      }
    };
    const upload = new tus.Upload(options.data, {
      endpoint: options.endpoint,
      uploadUrl: options.uploadUrl || null,
      headers: { Authorization: 'Bearer ' + options.token },
      metadata: { filename: options.fileName, filetype: options.contentType },
      chunkSize: Infinity,
      retryDelays: null,
      removeFingerprintOnSuccess: true,
      onProgress(bytesSent) {
        if (options.interruptAfter && bytesSent >= options.interruptAfter) {
          // Drop the connection in the middle of the PATCH body, like a lost network.
          upload.abort(false).then(() => finish(resolve, { url: upload.url, interrupted: true }), (e) => finish(reject, e));
        }
      },
      onSuccess() {
        finish(resolve, { url: upload.url, interrupted: false });
      },
      onError(error) {
        finish(reject, error);
      },
    });
    upload.start();
  });
}

async function headOffset(url, token) {
  const response = await fetch(url, { method: 'HEAD', headers: { Authorization: 'Bearer ' + token, 'Tus-Resumable': '1.0.0' } });
  return Number(response.headers.get('upload-offset'));
}

async function main() {
  const [endpoint, file, token, contentType, interruptAfterText] = process.argv.slice(2);
  const data = fs.readFileSync(file);
  const fileName = path.basename(file);
  const interruptAfter = Number(interruptAfterText);

  const first = await upload({ endpoint, data, token, contentType, fileName, interruptAfter });
  if (!first.interrupted) {
    throw new Error('the upload finished before it could be interrupted');
  }

  // The server keeps what it received; tus-js-client asks for the offset (HEAD) and sends only the rest.
  const resumedFrom = await headOffset(first.url, token);
  const second = await upload({ endpoint, data, token, contentType, fileName, uploadUrl: first.url });
  process.stdout.write(JSON.stringify({ url: second.url, interruptedAt: interruptAfter, resumedFrom }) + '\n');
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + '\n');
  process.exit(1);
});
