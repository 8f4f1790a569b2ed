/**
 * Secrets never reach a log: values of secret-looking environment variables (and the
 * lease token) are replaced in everything the runner writes. Works on raw chunks,
 * keeping a short tail back so a secret split across two chunks is still caught.
 */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION)/i;
const MASK = '***';

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function secretValues(env: Record<string, string | undefined>): string[] {
  const values = Object.entries(env)
    .filter(([name, value]) => value !== undefined && value.length >= 6 && isSecretName(name))
    .map(([, value]) => value!);
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

export function maskEnv(env: Record<string, string | undefined>): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) masked[name] = isSecretName(name) && value.length > 0 ? MASK : value;
  }
  return masked;
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

/** Chunk-wise redaction of a byte stream (latin1 keeps bytes and string indexes aligned). */
export class StreamRedactor {
  private carry = '';
  private readonly keep: number;
  private readonly secrets: string[];

  constructor(secrets: readonly string[]) {
    this.secrets = secrets.map((secret) => Buffer.from(secret, 'utf8').toString('latin1'));
    this.keep = Math.max(0, ...this.secrets.map((secret) => secret.length - 1));
  }

  push(chunk: Buffer): Buffer {
    if (this.secrets.length === 0) return chunk;
    const text = redactText(this.carry + chunk.toString('latin1'), this.secrets);
    const cut = text.length - this.pendingPrefix(text);
    this.carry = text.slice(cut);
    return Buffer.from(text.slice(0, cut), 'latin1');
  }

  /** How many trailing characters could be the start of a secret (held back until the next chunk). */
  private pendingPrefix(text: string): number {
    for (let length = Math.min(this.keep, text.length); length > 0; length--) {
      const tail = text.slice(text.length - length);
      if (this.secrets.some((secret) => secret.startsWith(tail))) return length;
    }
    return 0;
  }

  end(): Buffer {
    const rest = Buffer.from(redactText(this.carry, this.secrets), 'latin1');
    this.carry = '';
    return rest;
  }
}
