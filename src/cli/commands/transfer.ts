import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GraphFileError, InvalidInputError } from '../../errors.js';
import { graphText, parseGraph } from '../../store/jsonl.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { print, printJson } from '../output.js';

export function register(program: Command): void {
  const importCommand = program
    .command('import')
    .description(
      "load an upstream-format graph.jsonl (early or later format) into this workgraph's store, every record and field kept",
    )
    .argument('<file>', 'the graph.jsonl to load')
    .option('--replace', 'replace a graph that is not empty (without it, only an empty graph is filled)')
    .option('--json', 'print the counts as JSON')
    .action(async (file: string, options: { replace?: boolean; json?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new InvalidInputError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      const { recordProblem } = await import('../../graph/schema.js');
      const parsed = parseGraph(text, recordProblem, file);
      if (parsed.problems.length > 0) throw new GraphFileError(parsed.problems);
      const { store } = await openWorkspace(importCommand);
      const current = await store.load();
      if (!options.replace && current.tasks.size + current.actors.size + current.resources.size > 0) {
        throw new InvalidInputError(
          `this workgraph is not empty (${current.tasks.size} tasks)`,
          'pass --replace to overwrite it',
        );
      }
      await store.replaceAll(parsed);
      const counts = {
        tasks: parsed.graph.tasks.size,
        actors: parsed.graph.actors.size,
        resources: parsed.graph.resources.size,
        lines: parsed.lines.length,
      };
      if (options.json) return printJson(counts);
      print(
        `Imported ${counts.lines} records from ${file}: ${counts.tasks} tasks, ${counts.actors} actors, ${counts.resources} resources`,
      );
    });
  examples(importCommand, 'wg import graph.jsonl', 'wg import backup.jsonl --replace');

  const exportCommand = program
    .command('export')
    .description('write the graph out in the upstream graph.jsonl format, from either store')
    .argument('[file]', 'where to write it (default: standard output)')
    .action(async (file: string | undefined) => {
      const parsed = await (await openWorkspace(exportCommand)).store.parse();
      if (parsed.problems.length > 0) throw new GraphFileError(parsed.problems);
      const text = graphText(parsed.lines);
      if (file === undefined) return void process.stdout.write(text);
      const { default: writeFileAtomic } = await import('write-file-atomic');
      await writeFileAtomic(file, text, { fsync: true });
    });
  examples(exportCommand, 'wg export > graph.jsonl', 'wg export backup.jsonl');
}
