// The 7d / 30d / 90d / all switch of the Overview and Tools pages (query parameter `range`).
import { RANGES, type Range } from "../lib/range";
import { setQuery } from "../lib/router";

export function RangePicker(props: { range: Range }) {
  return (
    <div class="segmented" role="group" aria-label="Range">
      {RANGES.map((r) => (
        <button
          key={r}
          type="button"
          data-testid={`range-${r}`}
          aria-pressed={props.range === r}
          class={props.range === r ? "on" : undefined}
          onClick={() => setQuery({ range: r })}
        >
          {r === "all" ? "All time" : r}
        </button>
      ))}
    </div>
  );
}
