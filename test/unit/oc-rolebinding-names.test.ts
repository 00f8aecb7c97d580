// regctl's binding planner (src/cluster/policy.ts: planAdd/planRemove, the `oc policy add-role-to-user` /
// `remove-role-from-user` algorithms) over oc's own test tables, kept as data in
// test/fixtures/real/oc-rolebinding-names.json (openshift/oc pkg/cli/admin/policy/modify_roles_test.go).
// Each case is replayed as oc's modifyRoleAndCheck does: run the change on the existing bindings, then fetch
// the expected binding's subjects and list every binding left.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSubjects, planAdd, planRemove, type Binding, type Scope } from '../../src/cluster/policy.js';

interface Case {
  action: 'add' | 'remove';
  inputRole: string;
  inputRoleBindingName?: string;
  inputSubjects: string[];
  expectedRoleBindingName: string;
  expectedSubjects: Array<{ apiGroup: string; name: string; kind: string }>;
  existing: Binding[];
  expectedRoleBindingList: string[];
}

interface Table {
  roleKind: 'ClusterRole' | 'Role';
  roleBindingNamespace?: string;
  cases: Record<string, Case>;
}

const fixture = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/real/oc-rolebinding-names.json'), 'utf8')) as Record<string, Table> & { source: { commit: string } };

/** The bindings after the change, as oc's fake client would hold them. */
function replay(table: Table, c: Case): Binding[] {
  const bindings = structuredClone(c.existing);
  const scope: Scope = { namespace: table.roleBindingNamespace, role: c.inputRole, roleKind: table.roleKind, bindingName: c.inputRoleBindingName };
  const subjects = buildSubjects({ users: c.inputSubjects, groups: [], serviceAccounts: [], namespace: table.roleBindingNamespace ?? 'default' });
  if (c.action === 'add') {
    const plan = planAdd(bindings, scope, subjects, () => 'uuid-not-expected');
    if (plan.action === 'create') return [...bindings, plan.binding];
    if (plan.action === 'update') return bindings.map((b) => (b.metadata.name === plan.binding.metadata.name ? plan.binding : b));
    return bindings;
  }
  const plan = planRemove(bindings, scope, subjects);
  let out = bindings;
  for (const ch of plan.changes) {
    out = ch.action === 'delete' ? out.filter((b) => b.metadata.name !== ch.binding.metadata.name) : out.map((b) => (b.metadata.name === ch.binding.metadata.name ? ch.binding : b));
  }
  return out;
}

describe(`oc's role-binding naming tests (openshift/oc @ ${fixture.source.commit.slice(0, 12)})`, () => {
  for (const test of ['TestModifyNamedClusterRoleBinding', 'TestModifyNamedLocalRoleBinding']) {
    const table = fixture[test]!;
    it.each(Object.entries(table.cases))(`${test}: %s`, (_name, c) => {
      const after = replay(table, c);
      const target = after.find((b) => b.metadata.name === c.expectedRoleBindingName);
      expect(target, `binding ${c.expectedRoleBindingName}`).toBeDefined();
      expect(target!.subjects ?? []).toEqual(c.expectedSubjects);
      expect(target!.roleRef).toMatchObject({ name: c.inputRole, kind: table.roleKind });
      expect(after.map((b) => b.metadata.name).sort()).toEqual([...c.expectedRoleBindingList].sort());
    });
  }

  it('covers both tables (8 cluster, 6 local cases)', () => {
    expect(Object.keys(fixture.TestModifyNamedClusterRoleBinding!.cases)).toHaveLength(8);
    expect(Object.keys(fixture.TestModifyNamedLocalRoleBinding!.cases)).toHaveLength(6);
  });
});
