// The options of a write, checked as kube-apiserver checks them before it looks at the object: k8s.io/apimachinery
// pkg/apis/meta/v1/validation/validation.go (release-1.30, 07dc100c) ValidateCreateOptions / ValidateUpdateOptions /
// ValidatePatchOptions / ValidateDeleteOptions, answered by k8s.io/apiserver pkg/endpoints/handlers/{create,update,
// patch,delete}.go (release-1.30, 0cb74bf9) as 422 Invalid on `<Kind>.meta.k8s.io ""`. A dryRun value other than All
// is refused (it is not a real write), `force` is refused on any patch but apply (present at all, whatever its value).
import { ApiError } from './errors.ts';

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

interface Cause {
  reason: string;
  message: string;
  field: string;
}

/** Go's `%#v` of a []string, as field.NotSupported prints the dryRun value. */
const goStrings = (v: string[]) => `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;

export interface WriteOptions {
  dryRun?: string[];
  fieldManager?: string;
  fieldValidation?: string;
  /** PatchOptions.force was given (any value). */
  force?: boolean;
  /** DeleteOptions.propagationPolicy. */
  propagationPolicy?: string;
}

function causesOf(kind: OptionsKind, o: WriteOptions, applyPatch: boolean): Cause[] {
  const causes: Cause[] = [];
  if (kind === 'DeleteOptions') {
    const pp = o.propagationPolicy;
    if (pp !== undefined && pp !== 'Foreground' && pp !== 'Background' && pp !== 'Orphan') {
      causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(pp)}: supported values: "Foreground", "Background", "Orphan", "nil"`, field: 'propagationPolicy' });
    }
  }
  if (kind === 'PatchOptions') {
    if (!applyPatch && o.force !== undefined) causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' });
    if (applyPatch && !o.fieldManager) causes.push({ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' });
  }
  if (kind !== 'DeleteOptions') {
    const fm = o.fieldManager ?? '';
    if (Buffer.byteLength(fm) > 128) causes.push({ reason: 'FieldValueTooLong', message: 'Too long: must have at most 128 bytes', field: 'fieldManager' });
    // unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space; Go reports the byte offset.
    let at = 0;
    for (const ch of fm) {
      if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) {
        const cp = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(fm)}: invalid character U+${cp} (at position ${at})`, field: 'fieldManager' });
      }
      at += Buffer.byteLength(ch);
    }
  }
  const dry = o.dryRun ?? [];
  if (dry.some((v) => v !== 'All')) causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${goStrings(dry)}: supported values: "All"`, field: 'dryRun' });
  if (kind !== 'DeleteOptions') {
    const fv = o.fieldValidation ?? '';
    if (!['', 'Ignore', 'Strict', 'Warn'].includes(fv)) causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(fv)}: supported values: "", "Ignore", "Strict", "Warn"`, field: 'fieldValidation' });
  }
  return causes;
}

/** Throws the 422 kube-apiserver answers when the options are invalid (all problems in one error, as field.ErrorList). */
export function validateWriteOptions(kind: OptionsKind, o: WriteOptions, applyPatch = false): void {
  const causes = causesOf(kind, o, applyPatch);
  if (!causes.length) return;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `${kind}.meta.k8s.io "" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
  throw new ApiError(422, 'Invalid', message, { group: 'meta.k8s.io', kind, causes });
}

/** The options of a create, update or patch, from its query (as the parameter codec decodes them). */
export function queryOptions(q: URLSearchParams): WriteOptions {
  const o: WriteOptions = {};
  if (q.has('dryRun')) o.dryRun = q.getAll('dryRun');
  if (q.has('fieldManager')) o.fieldManager = q.get('fieldManager')!;
  if (q.has('fieldValidation')) o.fieldValidation = q.get('fieldValidation')!;
  if (q.has('force')) o.force = true;
  return o;
}

/**
 * PatchOptions.force as the parameter codec reads it (apimachinery pkg/runtime/conversion.go
 * Convert_Slice_string_To_Pointer_bool): only "0" and "false" (any case) are false; any other value, "" too, is true.
 */
export function forceOf(q: URLSearchParams): boolean {
  if (!q.has('force')) return false;
  const v = q.get('force')!;
  return !(v === '0' || v.toLowerCase() === 'false');
}
