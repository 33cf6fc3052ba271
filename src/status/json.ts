import { type Cells, rowCells } from './cells.ts';
import type { StatusRow } from './row.ts';

/** A `--json` element: every raw field of the row plus the table's text under `display`. */
export type StatusJson = StatusRow & { display: Cells };

export function renderJson(rows: readonly StatusRow[], now: Date): string {
  const out: StatusJson[] = rows.map((row) => ({ ...row, display: rowCells(row, now) }));
  return `${JSON.stringify(out, null, 2)}\n`;
}
