// Runs s3rver on a free loopback port for the .NET S3 tests.
// Usage: node s3rver-server.cjs <data-directory> <bucket>
// Prints one JSON line {"port":N} when listening; stops when its standard input closes (the test process ended).
'use strict';
const S3rver = require('s3rver');

async function main() {
  const [directory, bucket] = process.argv.slice(2);
  if (!directory || !bucket) {
    throw new Error('usage: node s3rver-server.cjs <data-directory> <bucket>');
  }

  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  process.stdout.write(JSON.stringify({ port }) + '\n');

  process.stdin.resume();
  process.stdin.on('end', async () => {
    await server.close();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + '\n');
  process.exit(1);
});
