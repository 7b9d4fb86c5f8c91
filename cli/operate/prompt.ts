// The two questions the driver may ask: yes/no, and a passphrase typed without echo.
import * as readline from "node:readline";

/** Reads one line; resolves undefined when the input ends first (e.g. Ctrl-D). */
function readLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input, terminal: false });
    let answered = false;
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once("close", () => {
      if (!answered) resolve(undefined);
    });
  });
}

export async function confirm(question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<boolean> {
  output.write(`${question} [y/N] `);
  const answer = await readLine(input);
  if (answer === undefined) output.write("\n");
  return /^\s*y(es)?\s*$/i.test(answer ?? "");
}

/**
 * Raw mode so the passphrase is never echoed; a non-TTY input (tests, pipes) has no raw mode
 * and is simply read as a line.
 */
export async function askSecret(question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<string | undefined> {
  output.write(question);
  const tty = input as NodeJS.ReadStream;
  if (typeof tty.setRawMode !== "function" || !tty.isTTY) {
    const line = await readLine(input);
    output.write("\n");
    return line;
  }
  const wasRaw = tty.isRaw;
  tty.setRawMode(true);
  tty.resume();
  return new Promise((resolve) => {
    let value = "";
    const finish = (result: string | undefined) => {
      tty.off("data", onData);
      tty.setRawMode(wasRaw);
      tty.pause();
      output.write("\n");
      resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === "\r" || ch === "\n") return finish(value);
        if (ch === "\u0003" || ch === "\u0004") return finish(undefined); // Ctrl-C, Ctrl-D
        value = ch === "\u007f" || ch === "\b" ? value.slice(0, -1) : value + ch;
      }
    };
    tty.on("data", onData);
  });
}
