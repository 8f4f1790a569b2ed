/**
 * Protocol conformance of the headless backends (the cases: ../support/conformance.ts).
 * The real Claude Code and Codex from npm run here, pointed at the scripted server; the
 * built-in agent runs through @anthropic-ai/sdk with ANTHROPIC_BASE_URL. The ACP agents
 * are in protocol-conformance-acp.test.ts, so the two files run side by side.
 */
import { announceSkip, codexHome, findClaude, findCodex, TEST_API_KEY } from '../support/agents.js';
import {
  describeAsking,
  describeSubfolder,
  describeTwoTaskGraph,
  useCleanups,
  type Subject,
} from '../support/conformance.js';

const claude = await findClaude();
const codex = await findCodex();
announceSkip('claude protocol conformance', claude);
announceSkip('codex protocol conformance', codex);

const SUBJECTS: Subject[] = [
  {
    backend: 'claude',
    api: 'anthropic',
    program: claude,
    env: (server) => ({
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_API_KEY: TEST_API_KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
    }),
  },
  {
    backend: 'codex',
    api: 'openai',
    program: codex,
    env: (server, home) => ({ CODEX_HOME: codexHome(home, server.url), LOCAL_MODEL_KEY: 'sk-local-not-a-real-key-42' }),
  },
  {
    backend: 'anthropic',
    api: 'anthropic',
    env: (server) => ({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_API_KEY }),
  },
];

useCleanups();
describeTwoTaskGraph(SUBJECTS);
describeSubfolder(SUBJECTS);
describeAsking(SUBJECTS);
