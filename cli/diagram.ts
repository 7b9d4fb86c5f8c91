import * as fs from "node:fs";
import * as path from "node:path";
import { diagramMarkdown, diagramPath } from "../topology/diagram";
import type { Plan } from "../topology/types";

/** Writes `docs/diagram-<stack>.md` under the project directory; returns the path written, relative to it. */
export function writeDiagram(projectDir: string, stack: string, plan: Plan): string {
  const relative = diagramPath(stack);
  const file = path.join(projectDir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, diagramMarkdown(stack, plan));
  return relative;
}
