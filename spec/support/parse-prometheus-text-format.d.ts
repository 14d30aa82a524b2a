// The parser has no types of its own: it takes the text format and returns prom2json's families.
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
