// A kubeconfig file's YAML, read under the kubeconfig cap and parsed once per run: a command across contexts reads the
// same file to list the contexts and again for each of them, and parsing a fleet's kubeconfig (a CA per cluster) is a
// good part of a context's CPU. Keyed by the text just read, so a file that changed is parsed again.
import yaml from 'js-yaml';
import { readTextFileCapped } from '../input/read.js';

const docs = new Map<string, unknown>();

export function readKubeconfigDoc(file: string): unknown {
  const text = readTextFileCapped(file, 'kubeconfig');
  const key = `${file}\0${text}`;
  if (!docs.has(key)) docs.set(key, yaml.load(text));
  return docs.get(key);
}
