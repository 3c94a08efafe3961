// Where line_hash_test.cc's expected values come from: a line-for-line
// transcription of hash() in github/codeql-action's src/fingerprints.ts (MIT),
// reading a string instead of a file stream. Regenerate with:
//   npm install --prefix /tmp/lh long@5
//   echo '["a\n", "x = 1\n"]' | NODE_PATH=/tmp/lh/node_modules node line_hash_reference.js
const Long = require("long");
const tab = 9, space = 32, lf = 10, cr = 13, EOF = 65535, BLOCK_SIZE = 100;
const MOD = Long.fromInt(37);
function hash(callback, data) {
  const window = Array(BLOCK_SIZE).fill(0);
  const lineNumbers = Array(BLOCK_SIZE).fill(-1);
  let hashRaw = Long.ZERO;
  let firstMod = Long.ONE;
  for (let i = 0; i < BLOCK_SIZE; i++) firstMod = firstMod.multiply(MOD);
  let index = 0, lineNumber = 0, lineStart = true, prevCR = false;
  const hashCounts = {};
  const outputHash = function () {
    const hashValue = hashRaw.toUnsigned().toString(16);
    if (!hashCounts[hashValue]) hashCounts[hashValue] = 0;
    hashCounts[hashValue]++;
    callback(lineNumbers[index], `${hashValue}:${hashCounts[hashValue]}`);
    lineNumbers[index] = -1;
  };
  const updateHash = function (current) {
    const begin = window[index];
    window[index] = current;
    hashRaw = MOD.multiply(hashRaw).add(Long.fromInt(current)).subtract(firstMod.multiply(Long.fromInt(begin)));
    index = (index + 1) % BLOCK_SIZE;
  };
  const processCharacter = function (current) {
    if (current === space || current === tab || (prevCR && current === lf)) { prevCR = false; return; }
    if (current === cr) { current = lf; prevCR = true; } else { prevCR = false; }
    if (lineNumbers[index] !== -1) outputHash();
    if (lineStart) { lineStart = false; lineNumber++; lineNumbers[index] = lineNumber; }
    if (current === lf) lineStart = true;
    updateHash(current);
  };
  for (let i = 0; i < data.length; ++i) processCharacter(data.charCodeAt(i));
  processCharacter(EOF);
  for (let i = 0; i < BLOCK_SIZE; i++) { if (lineNumbers[index] !== -1) outputHash(); updateHash(0); }
}
const inputs = JSON.parse(require("fs").readFileSync(0, "utf8"));
for (const input of inputs) {
  const out = [];
  hash((line, h) => out.push(h), input);
  console.log(JSON.stringify({ input, hashes: out }));
}
