// Synthetic Prometheus expositions of a given size: the registry's metric names, realistic label sets (one
// series per repository), every sample kind the parser handles (counter, gauge, summary, histogram, escapes,
// NaN/+Inf, exponents). Also adds comparable series to the sandbox registry's own metrics.
import type { RegistryMetrics } from '../../test/sandbox/registry/index.ts';

const METHODS = ['get', 'head', 'put', 'patch', 'post', 'delete'];
const CODES = ['200', '201', '202', '204', '206', '307', '400', '401', '403', '404', '500'];
const OPS = ['BlobStore.ServeBlob', 'ManifestService.Get', 'TagService.All', 'BlobWriter.Commit'];
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

function repo(i: number): string {
  return `project-${String(i % 97).padStart(2, '0')}/app-${String(i).padStart(5, '0')}`;
}

/** An exposition of at least `series` sample lines; returns the text and the exact sample count. */
export function exposition(series: number): { text: string; series: number; families: number } {
  const out: string[] = [];
  let n = 0;
  const counters = Math.round(series * 0.4);
  const histograms = Math.round((series * 0.3) / (LE.length + 2));
  const summaries = Math.round((series * 0.2) / 5);

  out.push('# HELP imageregistry_http_requests_total A counter for requests to the registry.', '# TYPE imageregistry_http_requests_total counter');
  for (let i = 0; i < counters; i++, n++) {
    out.push(`imageregistry_http_requests_total{code="${CODES[i % CODES.length]}",method="${METHODS[i % METHODS.length]}",repository="${repo(i)}"} ${(i * 7919) % 100000}`);
  }
  out.push('# HELP imageregistry_http_request_duration_seconds A histogram of latencies for requests to the registry.', '# TYPE imageregistry_http_request_duration_seconds histogram');
  for (let i = 0; i < histograms; i++) {
    const labels = `method="${METHODS[i % METHODS.length]}",repository="${repo(i)}"`;
    let cum = 0;
    for (const le of LE) {
      cum += i % 5;
      out.push(`imageregistry_http_request_duration_seconds_bucket{${labels},le="${le}"} ${cum}`);
      n++;
    }
    out.push(`imageregistry_http_request_duration_seconds_sum{${labels}} ${(cum * 0.0123).toFixed(6)}`, `imageregistry_http_request_duration_seconds_count{${labels}} ${cum}`);
    n += 2;
  }
  // The registry's per-operation latency summary, one series per repository as in the sandbox (addRegistrySeries):
  // the summary regctl prints reads it (busiest series of each operation).
  out.push('# HELP imageregistry_request_duration_seconds Request latency in seconds for each operation.', '# TYPE imageregistry_request_duration_seconds summary');
  for (let i = 0; i < summaries; i++) {
    const labels = `operation="${OPS[i % OPS.length]}",repository="${repo(i)}"`;
    for (const q of ['0.5', '0.9', '0.99']) out.push(`imageregistry_request_duration_seconds{${labels},quantile="${q}"} ${i % 11 === 0 ? 'NaN' : `${(i % 13) * 1.5e-3}`}`);
    out.push(`imageregistry_request_duration_seconds_sum{${labels}} ${(i * 0.37).toExponential(3)}`, `imageregistry_request_duration_seconds_count{${labels}} ${i}`);
    n += 5;
  }
  out.push('# HELP imageregistry_repository_layers Layers per repository (synthetic).', '# TYPE imageregistry_repository_layers gauge');
  for (let i = 0; n < series; i++, n++) {
    const note = i % 50 === 0 ? `,note="quote \\" backslash \\\\ newline \\n"` : '';
    out.push(`imageregistry_repository_layers{repository="${repo(i)}"${note}} ${i % 40} 1767225600000`);
  }
  out.push('# HELP go_goroutines Number of goroutines that currently exist.', '# TYPE go_goroutines gauge', 'go_goroutines 42');
  n++;
  return { text: out.join('\n') + '\n', series: n, families: 5 };
}

/** Adds about `series` series to the sandbox registry's metrics (counters and summaries per repository). */
export function addRegistrySeries(m: RegistryMetrics, series: number): void {
  const counters = Math.round(series / 2);
  for (let i = 0; i < counters; i++) m.requestsTotal.inc({ code: CODES[i % CODES.length]!, method: METHODS[i % METHODS.length]!, repository: repo(i) }, 1 + (i % 9));
  // A summary label set renders as 3 quantiles + _sum + _count.
  for (let i = 0; i < Math.round((series - counters) / 5); i++) m.operationDuration.observe(((i % 17) + 1) * 1e-3, { operation: OPS[i % OPS.length]!, repository: repo(i) });
}
