#!/usr/bin/env node
// The published entry point: refuse an old Node in one line, then hand over to the compiled CLI.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `kube-lessons needs Node.js >= 22.19 (this is ${process.versions.node}): install a newer Node, or run it through \`npm start\` in a checkout, which uses the pinned Node 24.`,
  );
  process.exit(1);
}
// One bundle (dist/bundle) loads far faster than the ~1,000 modules it is built from.
const { main } = await import('../dist/bundle/main.js');
process.exit(await main(process.argv));
