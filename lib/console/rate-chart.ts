import type { FlowRate } from './flow-rates.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The chart's drawing area, in its own units. */
const WIDTH = 600;
const HEIGHT = 120;

/**
 * Draws the last rates as two lines (pushed, acked per second), scaled to the highest rate (at
 * least 1), which it returns: the top of the chart.
 */
export function drawRates(svg: SVGSVGElement, rates: readonly FlowRate[], most: number): number {
  const top = Math.max(1, ...rates.map((rate) => Math.max(rate.pushedPerSecond, rate.ackedPerSecond)));
  const line = (value: (rate: FlowRate) => number, className: string) => {
    const polyline = document.createElementNS(SVG, 'polyline');
    const step = WIDTH / Math.max(1, most - 1);
    const offset = (most - rates.length) * step;
    const points = rates.map(
      (rate, at) =>
        `${(offset + at * step).toFixed(1)},${(HEIGHT - (value(rate) / top) * (HEIGHT - 4) - 2).toFixed(1)}`,
    );
    polyline.setAttribute('points', points.join(' '));
    polyline.setAttribute('class', className);
    return polyline;
  };
  svg.setAttribute('viewBox', `0 0 ${String(WIDTH)} ${String(HEIGHT)}`);
  svg.replaceChildren(
    ...[...svg.children].filter((child) => child.tagName === 'title'),
    line((rate) => rate.pushedPerSecond, 'pushed'),
    line((rate) => rate.ackedPerSecond, 'acked'),
  );
  return top;
}

/** A rate as the chart labels it: `0`, `3.5`, `120`. */
export function formatRate(rate: number): string {
  return rate >= 10 || Number.isInteger(rate) ? String(Math.round(rate)) : rate.toFixed(1);
}
