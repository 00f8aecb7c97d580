// cli-table3 ships no types for its utils module; regctl uses only its width measure.
declare module 'cli-table3/src/utils.js' {
  const utils: { strlen(s: string): number };
  export default utils;
}
