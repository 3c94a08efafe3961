// Validates SARIF files against the SARIF 2.1.0 JSON schema (draft-04; the
// copy @microsoft/jest-sarif ships) with Ajv. Exit 0 when every file is valid,
// 1 with each error printed otherwise, 2 when the tools are missing.
// Usage: node validate_sarif.js NPM_TOOLS_DIR FILE...
const fs = require("fs");
const path = require("path");

const [toolsDir, ...files] = process.argv.slice(2);
const modules = path.resolve(toolsDir || ".", "node_modules");
const schemaPath = path.join(modules, "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
let Ajv04, addFormats;
try {
  Ajv04 = require(path.join(modules, "ajv-draft-04"));
  addFormats = require(path.join(modules, "ajv-formats"));
  fs.accessSync(schemaPath);
} catch (error) {
  console.error(`SARIF validation tools missing under ${modules} (run make npm-deps): ${error}`);
  process.exit(2);
}
// unicodeRegExp off: the official schema's `language` pattern has a stray "]"
// that is only legal in a non-Unicode regular expression.
const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, "utf8")));
let failed = false;
for (const file of files) {
  const log = JSON.parse(fs.readFileSync(file, "utf8"));
  if (validate(log)) {
    console.log(`${file}: valid SARIF 2.1.0`);
  } else {
    failed = true;
    for (const error of validate.errors) {
      console.error(`${file}: ${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`);
    }
  }
}
process.exit(failed ? 1 : 0);
