/** Where a command writes, a line at a time: `out` for what it was asked for, `err` for progress, warnings and errors. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}
