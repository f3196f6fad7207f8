#!/usr/bin/env node
// Container health probe: GET http://127.0.0.1:<port><path> (default /health/ready) must answer
// 2xx within 3 s. No curl/wget in the slim image, and node is always there.
'use strict';
const { join } = require('node:path');

const path = process.argv[2] || '/health/ready';

function servicePort() {
  if (process.env.PORT) return Number(process.env.PORT);
  // PORT unset: the service listens on its default from the catalog.
  try {
    const { SERVICES } = require(join(__dirname, '../../libs/service-kit/dist/catalog.js'));
    const entry = SERVICES.find((s) => s.name === process.env.SERVICE);
    if (entry) return entry.port;
  } catch {
    // fall through to the error below
  }
  return Number.NaN;
}

const port = servicePort();
if (!Number.isInteger(port) || port <= 0) {
  console.error(`healthcheck: no PORT set and no catalog port for SERVICE '${process.env.SERVICE || ''}'`);
  process.exit(1);
}

fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) }).then(
  (res) => {
    if (res.ok) process.exit(0);
    console.error(`healthcheck: ${path} answered ${res.status}`);
    process.exit(1);
  },
  (error) => {
    console.error(`healthcheck: ${path} unreachable: ${error.message}`);
    process.exit(1);
  },
);
