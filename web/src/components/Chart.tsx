// A uPlot chart that follows its container's width and the theme's colours.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export function Chart(props: {
  options: Omit<uPlot.Options, "width" | "height">;
  data: uPlot.AlignedData;
  height?: number;
  testid?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const height = props.height ?? 260;

  useEffect(() => {
    const element = host.current;
    if (!element) return undefined;
    const width = Math.max(320, element.clientWidth);
    plot.current = new uPlot({ ...props.options, width, height }, props.data, element);
    const observer = new ResizeObserver(() => {
      const w = Math.max(320, element.clientWidth);
      if (plot.current && plot.current.width !== w) plot.current.setSize({ width: w, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [props.options, props.data, height]);

  return <div class="chart" ref={host} data-testid={props.testid} />;
}

// Series colours that read on both themes.
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

export function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}
