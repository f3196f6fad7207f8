import express from 'express';
import request from 'supertest';
import { Metrics } from '@omni/observability';
import { httpMetrics, UNMATCHED_ROUTE } from './http-telemetry';

async function routeLabels(metrics: Metrics): Promise<string[]> {
  const metric = await metrics.registry.getSingleMetric('omni_http_request_seconds')!.get();
  return [...new Set(metric.values.map((v) => String(v.labels.route)))].sort();
}

describe('omni_http_request_seconds route label', () => {
  it('is the route template, or "unmatched" for paths no route serves: random paths add no series', async () => {
    const metrics = new Metrics('test', { defaultMetrics: false });
    const app = express();
    app.use(httpMetrics(metrics));
    const contacts = express.Router();
    contacts.get('/:id', (_req, res) => void res.json({}));
    app.use('/contacts', contacts);
    app.all('/webhooks/*path', (_req, res) => void res.status(404).end());

    for (let i = 0; i < 20; i++) {
      await request(app).get(`/contacts/${i}`).expect(200);
      await request(app).get(`/random-${i}/${Math.random()}`).expect(404);
      await request(app).post(`/webhooks/unknown-${i}`).expect(404);
    }
    expect(await routeLabels(metrics)).toEqual(['/contacts/:id', '/webhooks/*path', UNMATCHED_ROUTE].sort());
  });
});
