// Exits 0 when the broker answers a metadata request (describeCluster + listTopics).
// Usage: node infra/kafka/ready.js 127.0.0.1:59092   (kafkajs from the repo's node_modules)
'use strict';
const path = require('path');
const repo = path.resolve(__dirname, '..', '..');
const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [repo] }));

const broker = process.argv[2] || '127.0.0.1:59092';
const kafka = new Kafka({
  clientId: 'chronicle-infra-ready',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  requestTimeout: 3000,
  retry: { retries: 0 },
});

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no brokers in metadata');
    await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
})().then(
  () => process.exit(0),
  (err) => {
    console.error(`kafka not ready: ${err.message}`);
    process.exit(1);
  },
);
