import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SERVICES } from '@omni/service-kit';
import { ALERTS, PANELS } from '../../tools/wiring/observability';

const root = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

// promtool comes with Prometheus (Debian: apt-get install prometheus). Without it the rule tests
// are reported as skipped, never as passed.
const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool) process.stderr.write('observability spec: promtool not installed (apt-get install prometheus): the alert rule tests are SKIPPED\n');
const withPromtool = promtool ? it : it.skip;

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML/JSON is untyped by nature */
describe('observability: Prometheus, alert rules, Grafana, runbooks', () => {
  withPromtool('the alert rules pass `promtool check rules` and their unit tests (`promtool test rules`)', () => {
    const check = spawnSync('promtool', ['check', 'rules', join(root, 'deploy/observability/alerts.yml')], { encoding: 'utf8' });
    expect({ status: check.status, out: check.stdout + check.stderr }).toEqual({ status: 0, out: expect.stringContaining(`SUCCESS: ${ALERTS.length} rules found`) });
    const test = spawnSync('promtool', ['test', 'rules', join(root, 'deploy/observability/alerts.test.yml')], { encoding: 'utf8' });
    expect({ status: test.status, out: test.stdout + test.stderr }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS') });
  });

  it('the PrometheusRule carries exactly the plain file’s rules', () => {
    const plain = parse(read('deploy/observability/alerts.yml')) as any;
    const rule = parse(read('deploy/k8s/overlays/prod/prometheus-rules.yaml')) as any;
    expect(rule.spec.groups).toEqual(plain.groups);
  });

  it('Prometheus scrapes every catalog service and loads the rules', () => {
    const config = parse(read('deploy/observability/prometheus.yml')) as any;
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const targets = config.scrape_configs[0].static_configs.map((c: any) => c.targets[0]);
    expect(targets.sort()).toEqual(SERVICES.map((s) => `${s.name}:${s.port}`).sort());
  });

  it('compose runs Prometheus, Grafana and Jaeger wired together', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as any;
    const { prometheus, grafana } = compose.services;
    expect(prometheus.volumes).toEqual(expect.arrayContaining(['./deploy/observability/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './deploy/observability/alerts.yml:/etc/prometheus/alerts.yml:ro']));
    expect(grafana.volumes).toEqual(expect.arrayContaining(['./deploy/observability/grafana/provisioning:/etc/grafana/provisioning:ro', './deploy/observability/grafana/dashboards:/var/lib/grafana/dashboards:ro']));
    const datasources = parse(read('deploy/observability/grafana/provisioning/datasources/omni.yml')) as any;
    expect(datasources.datasources.map((d: any) => [d.type, d.url])).toEqual([
      ['prometheus', 'http://prometheus:9090'],
      ['jaeger', 'http://jaeger:16686'],
    ]);
    expect(compose.services['otel-collector'].depends_on).toContain('jaeger');
  });

  it('the dashboard has the SRE panels, each querying Prometheus', () => {
    const dashboard = JSON.parse(read('deploy/observability/grafana/dashboards/omni.json')) as any;
    expect(dashboard.panels.map((p: any) => p.title)).toEqual(PANELS.map((p) => p.title));
    for (const title of ['Webhook outcomes by channel', 'Consumer lag per group', 'Decision outcomes', 'Queue depth', 'Queue wait (p50 / p90)', 'SLA breaches', 'DLQ depth', 'Outbox backlog']) {
      expect(dashboard.panels.map((p: any) => p.title)).toContain(title);
    }
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe('prometheus');
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(target.expr).toMatch(/omni_[a-z_]+/);
    }
  });

  it('docs/operations.md has a runbook section for every alert', () => {
    const doc = read('docs/operations.md');
    const anchors = [...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'));
    for (const alert of ALERTS) expect({ alert: alert.alert, runbook: anchors.includes(alert.runbook) }).toEqual({ alert: alert.alert, runbook: true });
  });
});
