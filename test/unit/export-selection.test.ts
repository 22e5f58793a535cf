import { expect } from 'chai';
import { createSelection } from '../../lib/export-source.js';

describe('export selection: date columns', () => {
  it('tables named like Object.prototype\'s members (__proto__, constructor, toString) have created_at or none, not a configured column', () => {
    const selection = createSelection({ dateColumns: { chats: 'opened_at' } });
    for (const table of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(selection.dateColumnFor(table, ['x']), table).to.equal(null);
      expect(selection.dateColumnFor(table, ['x', 'created_at']), table).to.equal('created_at');
    }
    expect(selection.dateColumnFor('chats', ['id', 'opened_at'])).to.equal('opened_at');
    // Without --since/--until the entry filters nothing: no reason to stop the export.
    expect(selection.dateColumnFor('chats', ['id'])).to.equal(null);
    const filtered = createSelection({ dateColumns: { chats: 'opened_at' }, since: '2024-01-01' });
    expect(() => filtered.dateColumnFor('chats', ['id'])).to.throw('export.date_columns names chats.opened_at for --since/--until, and chats has no column opened_at; columns: id');
  });
});
