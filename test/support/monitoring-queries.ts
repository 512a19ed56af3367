/**
 * What the shipped Grafana dashboard and Prometheus rules ask of the service's /metrics: the
 * PromQL of each panel, variable and rule, read with Prometheus's own grammar (the Lezer parser
 * of Prometheus's web UI), and the metrics and labels each one names. Pure functions: the e2e
 * spec holds them against a real app, a real promtool and a real Prometheus.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { load } from 'js-yaml';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** A PromQL expression, and where it comes from (for the test's messages). */
export interface NamedQuery {
  where: string;
  expr: string;
}

/** A metric an expression selects, and the labels its matchers name. */
export interface MetricSelector {
  metric: string;
  labels: string[];
}

/** Labels an expression groups or matches by (`by (…)`, `on (…)`), and the metrics inside it that must carry them. */
export interface LabelGrouping {
  labels: string[];
  metrics: string[];
}

export interface PromqlNames {
  selectors: MetricSelector[];
  groupings: LabelGrouping[];
}

export class PromqlSyntaxError extends Error {
  constructor(
    readonly expr: string,
    readonly position: number,
  ) {
    super(`PromQL syntax error at ${position}: …${expr.slice(Math.max(0, position - 30), position)}⟨here⟩${expr.slice(position, position + 30)}…`);
  }
}

export class MetricNameNotLiteralError extends Error {}

/**
 * The metrics and labels a PromQL expression names. Every vector selector is read, wherever it
 * sits (a function's argument, a subquery, either side of a binary operator), whether the name is
 * written bare or as `{__name__="…"}`; function names, keywords (by, on, offset, bool…), label
 * names and string arguments are not metrics. A syntax error throws, as does a metric named by a
 * regex (which no check could hold against /metrics).
 */
export function promqlNames(expr: string): PromqlNames {
  const tree = parser.parse(expr);
  let errorAt: number | null = null;
  tree.iterate({
    enter(node) {
      if (node.type.isError && errorAt === null) errorAt = node.from;
    },
  });
  if (errorAt !== null) throw new PromqlSyntaxError(expr, errorAt);

  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);
  const selectors: MetricSelector[] = [];
  const groupings: LabelGrouping[] = [];
  const selectorNodes: { node: SyntaxNode; metric: string }[] = [];

  const cursor = tree.cursor();
  do {
    const node = cursor.node;
    if (node.name === 'VectorSelector') {
      const selector = readSelector(node, text);
      selectors.push(selector);
      selectorNodes.push({ node, metric: selector.metric });
    }
  } while (cursor.next());

  const within = (outer: SyntaxNode) => [
    ...new Set(selectorNodes.filter(({ node }) => node.from >= outer.from && node.to <= outer.to).map(({ metric }) => metric)),
  ];
  const groupingCursor = tree.cursor();
  do {
    const node = groupingCursor.node;
    // by (…) of an aggregation; on (…) and group_left/right (…) of a binary operator. Not
    // without/ignoring: the labels they name need not exist.
    if (node.name === 'AggregateModifier' && node.getChild('By')) {
      groupings.push({ labels: labelNames(node.getChild('GroupingLabels'), text), metrics: within(node.parent!) });
    }
    if (node.name === 'MatchingModifierClause') {
      const labels = node.getChild('On') ? labelNames(node.getChild('GroupingLabels'), text) : [];
      const extra = node.getChild('GroupLeft') || node.getChild('GroupRight') ? labelNames(node.getChildren('GroupingLabels').at(-1) ?? null, text) : [];
      if (labels.length + extra.length > 0) groupings.push({ labels: [...labels, ...extra], metrics: within(node.parent!) });
    }
  } while (groupingCursor.next());
  return { selectors, groupings };
}

function readSelector(node: SyntaxNode, text: (node: SyntaxNode) => string): MetricSelector {
  let metric = node.getChild('Identifier') ? text(node.getChild('Identifier')!) : null;
  const labels: string[] = [];
  const matchers = node.getChild('LabelMatchers');
  for (let child = matchers?.firstChild ?? null; child; child = child.nextSibling) {
    // {"metric.name", …}: Prometheus 3's quoted metric name.
    if (child.name === 'QuotedLabelName') metric = unquote(text(child.getChild('StringLiteral')!));
    if (child.name !== 'UnquotedLabelMatcher' && child.name !== 'QuotedLabelMatcher') continue;
    const nameNode = child.getChild('LabelName') ?? child.getChild('QuotedLabelName')?.getChild('StringLiteral');
    const name = child.name === 'QuotedLabelMatcher' ? unquote(text(nameNode!)) : text(nameNode!);
    if (name !== '__name__') {
      labels.push(name);
      continue;
    }
    if (!child.getChild('MatchOp')?.getChild('EqlSingle')) throw new MetricNameNotLiteralError(`a metric named by a regex or a negation: ${text(node)}`);
    metric = unquote(text(child.getChild('StringLiteral')!));
  }
  if (metric === null) throw new MetricNameNotLiteralError(`a selector without a metric name: ${text(node)}`);
  return { metric, labels };
}

function labelNames(grouping: SyntaxNode | null, text: (node: SyntaxNode) => string): string[] {
  return grouping ? grouping.getChildren('LabelName').map(text) : [];
}

function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  if (literal.startsWith("'")) return JSON.parse(`"${literal.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`);
  return JSON.parse(literal);
}

/** Grafana's built-in variables, at values a query can run with. */
const GRAFANA_BUILT_INS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
};

interface GrafanaVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  current?: { value?: string | string[] };
  options?: { value?: string }[];
  definition?: string;
  datasource?: unknown;
}

export interface GrafanaPanel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string } | string | null;
  targets?: { refId?: string; expr?: string; datasource?: { type?: string; uid?: string } }[];
  panels?: GrafanaPanel[];
  gridPos?: { h?: number; w?: number; x?: number; y?: number };
}

export interface GrafanaDashboard {
  uid?: string;
  title?: string;
  panels?: GrafanaPanel[];
  templating?: { list?: GrafanaVariable[] };
  __inputs?: { name: string; type: string; pluginId?: string }[];
}

/**
 * The value a query is run with for each dashboard variable: a query or datasource variable
 * (a job, a node) matches everything (`.*`, as Grafana's "All"); a textbox, constant or custom
 * variable keeps its own value. A variable the dashboard does not define throws, as it would
 * break the panel in Grafana.
 */
export function substituteGrafanaVariables(expr: string, dashboard: GrafanaDashboard): string {
  const values: Record<string, string> = { ...GRAFANA_BUILT_INS };
  for (const variable of dashboard.templating?.list ?? []) {
    const own = variable.current?.value ?? variable.options?.[0]?.value ?? (typeof variable.query === 'string' ? variable.query : undefined);
    values[variable.name] = variable.type === 'query' || variable.type === 'datasource' ? '.*' : String(Array.isArray(own) ? own[0] : (own ?? ''));
  }
  return expr.replace(/\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g, (_all, braced?: string, bracketed?: string, bare?: string) => {
    const name = (braced ?? bracketed ?? bare)!;
    if (!(name in values)) throw new Error(`the dashboard uses $${name}, which it does not define`);
    return values[name];
  });
}

/** Every panel, those inside (collapsed) rows too, rows themselves left out. */
export function dashboardPanels(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return (dashboard.panels ?? []).flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));
}

/**
 * Every PromQL query of a dashboard, with its variables substituted: the panels' targets, and
 * the query variables' `label_values(<selector>, label)` and `query_result(<expr>)`.
 */
export function dashboardQueries(dashboard: GrafanaDashboard): NamedQuery[] {
  const queries: NamedQuery[] = [];
  for (const panel of dashboardPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (target.expr) queries.push({ where: `panel "${panel.title}" query ${target.refId}`, expr: substituteGrafanaVariables(target.expr, dashboard) });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    const expr = /^\s*label_values\((.+),\s*\w+\s*\)\s*$/s.exec(query)?.[1] ?? /^\s*query_result\((.+)\)\s*$/s.exec(query)?.[1];
    if (expr) queries.push({ where: `variable $${variable.name}`, expr: substituteGrafanaVariables(expr, dashboard) });
  }
  return queries;
}

/**
 * What makes a dashboard unusable after an import, as a list (empty when there is nothing): no
 * uid or title; no datasource variable or input, or no job and instance variables to pick a
 * cluster's nodes; a panel without a datasource that names one of them, without a query, with an
 * empty query or two with one refId; two panels with one id or without a place on the grid.
 */
export function dashboardProblems(dashboard: GrafanaDashboard): string[] {
  const problems: string[] = [];
  if (!dashboard.uid) problems.push('no uid');
  if (!dashboard.title) problems.push('no title');
  const variables = dashboard.templating?.list ?? [];
  const datasourceNames = new Set([
    ...variables.filter((variable) => variable.type === 'datasource' && variable.query === 'prometheus').map((variable) => variable.name),
    ...(dashboard.__inputs ?? []).filter((input) => input.type === 'datasource' && input.pluginId === 'prometheus').map((input) => input.name),
  ]);
  if (datasourceNames.size === 0) problems.push('no Prometheus datasource variable or input');
  for (const name of ['job', 'instance']) {
    if (!variables.some((variable) => variable.name === name && variable.type === 'query')) problems.push(`no $${name} variable`);
  }
  const namesDatasource = (datasource: GrafanaPanel['datasource']) => {
    const uid = typeof datasource === 'string' ? datasource : datasource?.uid;
    const name = /^\$\{?(\w+)\}?$/.exec(uid ?? '')?.[1];
    return name !== undefined && datasourceNames.has(name);
  };
  const ids = new Set<number>();
  for (const panel of (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])])) {
    if (panel.id !== undefined && ids.has(panel.id)) problems.push(`two panels with id ${panel.id}`);
    if (panel.id !== undefined) ids.add(panel.id);
  }
  for (const panel of dashboardPanels(dashboard)) {
    const name = `panel "${panel.title ?? panel.id}"`;
    if (!namesDatasource(panel.datasource)) problems.push(`${name}: no datasource, or one that is not the dashboard's variable or input`);
    if (!panel.gridPos?.w || !panel.gridPos?.h) problems.push(`${name}: no place on the grid`);
    const targets = panel.targets ?? [];
    if (targets.length === 0) problems.push(`${name}: no query`);
    const refIds = new Set<string>();
    for (const target of targets) {
      if (!target.expr?.trim()) problems.push(`${name}: query ${target.refId} has no expr`);
      if (target.refId && refIds.has(target.refId)) problems.push(`${name}: two queries ${target.refId}`);
      if (target.refId) refIds.add(target.refId);
      if (target.datasource && !namesDatasource(target.datasource)) problems.push(`${name}: query ${target.refId} has another datasource`);
    }
  }
  return problems;
}

/** Every rule's expression in a Prometheus rules file. */
export function ruleQueries(rulesYaml: string): NamedQuery[] {
  const file = load(rulesYaml) as { groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] };
  return file.groups.flatMap((group) => group.rules.map((rule) => ({ where: `rule ${rule.alert ?? rule.record}`, expr: String(rule.expr) })));
}

/** The series names in a Prometheus text exposition, each with the label names its samples carry. */
export function exposedSeries(exposition: string): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const line of exposition.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s/.exec(line);
    if (!sample) continue;
    const labels = series.get(sample[1]) ?? new Set<string>();
    for (const [, label] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) labels.add(label);
    series.set(sample[1], labels);
  }
  return series;
}
