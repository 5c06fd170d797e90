import { useState } from 'preact/hooks';

// Paging by a cursor the API hands back (a `next_cursor`, or the `before` of the last row):
// the cursors of the pages already seen are kept, so "Newer" goes back one page. Key the
// component that uses it by its filters, so a new filter starts again at the newest page.
export function usePager() {
  const [cursor, setCursor] = useState('');
  const [seen, setSeen] = useState([]);
  return {
    cursor,
    hasNewer: seen.length > 0,
    newer: () => {
      setCursor(seen[seen.length - 1]);
      setSeen(seen.slice(0, -1));
    },
    older: (next) => {
      setSeen([...seen, cursor]);
      setCursor(String(next));
    },
  };
}

// `next`: the cursor of the next older page; null, undefined or '' when there is none.
export function Pager({ pager, next }) {
  const hasOlder = next !== null && next !== undefined && next !== '';
  return (
    <div class="row pager">
      <button type="button" class="secondary" disabled={!pager.hasNewer} onClick={pager.newer}>← Newer</button>
      <button type="button" class="secondary" disabled={!hasOlder} onClick={() => pager.older(next)}>Older →</button>
    </div>
  );
}
