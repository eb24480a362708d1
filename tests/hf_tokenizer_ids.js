// Loads a tokenizer.json with Hugging Face's own library (npm `tokenizers`, Node bindings over
// the Rust core) and compares its ids with ours, line by line.
// usage: node hf_tokenizer_ids.js tokenizer.json normalized.txt ids.txt
// Prints "<lines> lines, <n> differ" (and the first differences); exit 1 if any differ.
const { Tokenizer } = require("tokenizers");
const fs = require("fs");

(async () => {
  const tokenizer = await Tokenizer.fromFile(process.argv[2]);
  const lines = fs.readFileSync(process.argv[3], "utf8").split("\n");
  const ours = fs.readFileSync(process.argv[4], "utf8").split("\n");
  let compared = 0, differ = 0;
  for (let i = 0; i < lines.length; ++i) {
    if (lines[i] === "") continue;
    const encoding = await tokenizer.encode(lines[i], null, { addSpecialTokens: false });
    const theirs = Array.from(encoding.getIds()).join(" ");
    ++compared;
    if (theirs !== ours[i]) {
      if (differ < 3) console.log(`line ${i + 1}:\n  hf:       ${theirs}\n  wordmill: ${ours[i]}`);
      ++differ;
    }
  }
  console.log(`${compared} lines, ${differ} differ`);
  process.exit(differ === 0 ? 0 : 1);
})().catch((e) => {
  console.log(`error: ${e}`);
  process.exit(2);
});
