#!/bin/sh
# Writes sandbox/.workgraph/graph.jsonl from scratch with ordinary wg commands: this is
# how the demo graph was made, and the way to change it. Run it from anywhere:
#   sh sandbox/make-graph.sh
# config.toml is kept (wg init leaves an existing one alone).
set -eu
cd "$(dirname "$0")"
wg() { node ../bin/wg.js --dir .workgraph "$@" >/dev/null; }

rm -f .workgraph/graph.jsonl
wg init

# Two actors with different skills; each runs on its own stand-in backend (config.toml).
wg actor add coder --name "Coder" --role developer --capability js,tests --trust verified --context-limit 200000 --backend coder-stand-in
wg actor add writer --name "Writer" --role "technical writer" --capability docs,english --trust provisional --context-limit 100000 --backend writer-stand-in

# The spec: the brief reaches the agent as a context file.
wg add "Write the API spec" --id write-spec --skill docs --context-file BRIEF.md --deliverable docs/spec.md \
  -d "Turn BRIEF.md into docs/spec.md: one section per function with its signature, a one-sentence summary and the brief's examples. Register the spec with wg artifact."

# A diamond: two implementations wait for the spec, and export-api waits for both.
wg add "Implement slugify" --id implement-slugify --blocked-by write-spec --skill js --context-file STYLE.md \
  --input docs/spec.md --deliverable src/slugify.js --verify "node checks/slugify.mjs" \
  -d "Implement slugify(text) in src/slugify.js as docs/spec.md specifies, following STYLE.md (JSDoc with one @example per spec example). Register the file with wg artifact."
wg add "Implement wordCount" --id implement-word-count --blocked-by write-spec --skill js --context-file STYLE.md \
  --input docs/spec.md --deliverable src/word-count.js --verify "node checks/word-count.mjs" --max-retries 2 \
  -d "Implement wordCount(text) in src/word-count.js as docs/spec.md specifies, following STYLE.md (JSDoc with one @example per spec example). Register the file with wg artifact."
wg add "Export the public API" --id export-api --blocked-by implement-slugify,implement-word-count --prefer-skill js \
  --deliverable src/index.js \
  -d "Write src/index.js, re-exporting every function of the modules the upstream tasks registered. Register it with wg artifact."

wg add "Write the tests" --id write-tests --blocked-by write-spec --skill tests --deliverable test/textkit.test.mjs \
  -d "Write test/textkit.test.mjs for node:test, one test per example in docs/spec.md, importing from ../src/index.js. Register it with wg artifact."

# Plain commands run on the shell backend: no agent, no prompt.
wg add "Run the tests" --id run-tests --blocked-by export-api,write-tests --deliverable reports/tests.txt \
  --exec 'mkdir -p reports && { node --test --test-reporter=tap test/*.test.mjs > reports/tests.txt 2>&1; code=$?; grep -E "^# (pass|fail) " reports/tests.txt; wg artifact run-tests reports/tests.txt && exit $code; }' \
  -d "Run the test suite (node --test test/*.test.mjs), save its TAP report as reports/tests.txt, register it with wg artifact, and fail if any test fails."
# Overruns its 3s timeout on purpose (it measures for 10s) and is killed; a leaf, so
# nothing waits for it. The tag is how the demo script knows this failure is the plan.
wg add "Benchmark slugify" --id benchmark --blocked-by export-api --timeout 3s --max-retries 0 --tag expected-timeout \
  --exec 'node bench/slugify.mjs' \
  -d "Run bench/slugify.mjs and report the median slugs per second with wg log."

# Only the writer has the docs skill; the sources reach its prompt as upstream artifacts.
wg add "Write the user guide" --id write-guide --blocked-by implement-slugify,implement-word-count,run-tests --skill docs \
  --deliverable docs/guide.md --verify "node checks/guide.mjs" \
  -d "Write docs/guide.md for users from the JSDoc comments of the source files upstream tasks registered: one section per function (## \`name(args)\`) with its examples, and the test result from reports/tests.txt. Register it with wg artifact."

# Either actor may take this one; the writer's English wins it.
wg add "Write the changelog" --id changelog --blocked-by write-guide --prefer-skill english --deliverable CHANGELOG.md \
  -d "Write CHANGELOG.md with a 0.1.0 entry naming every function in docs/guide.md. Register it with wg artifact."

node ../bin/wg.js --dir .workgraph check
