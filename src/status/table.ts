import { rowCells } from './cells.ts';
import { paint } from './colour.ts';
import type { StatusRow } from './row.ts';

// LAST ATTEMPT holds free text (the CA's error): last, so a long message never pushes the other
// columns to the right.
const HEADER = ['NAME', 'STATE', 'EXPIRES', 'NEXT ATTEMPT', 'LAST ATTEMPT'];

/**
 * The human table: one line per certificate, columns padded to the widest cell so it reads (and
 * greps, and `column`-s) the same with or without colour. Only the state cell is coloured, and the
 * padding is computed on the uncoloured text so escape codes never break the alignment.
 */
export function renderTable(rows: readonly StatusRow[], now: Date, colour: boolean): string {
  if (rows.length === 0) return 'no certificates configured\n';
  const body = rows.map((row) => {
    const c = rowCells(row, now);
    return { state: row.state, cells: [row.name, c.state, c.expires, c.nextAttempt, c.lastAttempt] };
  });
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((b) => b.cells[i]!.length)));
  const line = (cells: string[], state?: StatusRow['state']) =>
    cells
      .map((cell, i) => {
        const pad = i === cells.length - 1 ? '' : ' '.repeat(widths[i]! - cell.length);
        return (i === 1 && state && colour ? paint(state, cell) : cell) + pad;
      })
      .join('  ')
      .trimEnd();
  return `${[line(HEADER), ...body.map((b) => line(b.cells, b.state))].join('\n')}\n`;
}
