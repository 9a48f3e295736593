/**
 * Colour on stderr, the way compilers do it: only on a terminal, never in a
 * pipe or a file, and never when NO_COLOR is set (https://no-color.org).
 * FORCE_COLOR (as in Node and many tools) turns it on where there is no
 * terminal; NO_COLOR still wins.
 */
export interface Paint {
  /** a `file:line:col: error: …` line: the place in bold, `error:` in red */
  diagnostic(line: string): string;
  /** what went wrong: `check-stop:` */
  error(s: string): string;
  /** a limit reached: `step limit` */
  warn(s: string): string;
  bold(s: string): string;
}

export function useColor(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const red = sgr('1;31');
const yellow = sgr('1;33');
const bold = sgr('1');

export const styles: Paint = {
  diagnostic: (line) => line.replace(/^(.*?:\d+:\d+:) (error:)/, (_, at: string, e: string) => `${bold(at)} ${red(e)}`),
  error: red,
  warn: yellow,
  bold,
};

const same = (s: string) => s;
export const plain: Paint = { diagnostic: same, error: same, warn: same, bold: same };
