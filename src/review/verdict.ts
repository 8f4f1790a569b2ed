/**
 * The reviewer agent's answer: one JSON verdict, in a defined shape, found in what it said
 * last (its final message, its summary, or a program's last printed lines).
 */
import { z } from 'zod';

const CommentSchema = z.object({
  path: z.string().trim().min(1),
  line: z.number().int().positive(),
  text: z.string().trim().min(1),
});

export const LlmVerdictSchema = z.discriminatedUnion('verdict', [
  z.object({ verdict: z.literal('approve'), comment: z.string().trim().min(1).optional() }),
  z.object({
    verdict: z.literal('reject'),
    reason: z.string().trim().min(1),
    comments: z.array(CommentSchema).default([]),
  }),
]);
export type LlmVerdict = z.infer<typeof LlmVerdictSchema>;

export type VerdictReading = { kind: 'verdict'; verdict: LlmVerdict } | { kind: 'unusable'; why: string };

/**
 * The verdict in the reviewer's words, the latest first: each text is tried whole, then its
 * last fenced block, then from its last line that opens a JSON object. The first that parses
 * and fits the shape wins; otherwise why the last one that looked like JSON did not fit.
 */
export function readVerdict(latestFirst: readonly string[]): VerdictReading {
  let why = 'the reviewer gave no JSON verdict';
  for (const text of latestFirst) {
    for (const candidate of jsonCandidates(text)) {
      let value: unknown;
      try {
        value = JSON.parse(candidate);
      } catch {
        continue;
      }
      const parsed = LlmVerdictSchema.safeParse(value);
      if (parsed.success) return { kind: 'verdict', verdict: parsed.data };
      why = `the reviewer's JSON is not a verdict: ${z.prettifyError(parsed.error).replace(/\n+/g, '; ')}`;
    }
  }
  return { kind: 'unusable', why };
}

function jsonCandidates(text: string): string[] {
  const trimmed = text.trim();
  const out = [trimmed];
  const fences = [...trimmed.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)];
  const lastFence = fences.at(-1)?.[1];
  if (lastFence !== undefined) out.push(lastFence.trim());
  const lines = trimmed.split('\n');
  for (let i = lines.length - 1; i >= 0; i--)
    if (lines[i]!.trimStart().startsWith('{')) {
      out.push(lines.slice(i).join('\n').trim());
      break;
    }
  return out;
}
