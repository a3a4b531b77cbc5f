// Smoke test of the Kafka broker (infra/kafka.sh) with kafkajs from the repo's node_modules:
// produce to a fresh auto-created topic, consume it back in a consumer group.
// Usage: node infra/check/kafka.js
'use strict';
const path = require('path');
const repo = path.resolve(__dirname, '..', '..');
const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [repo] }));

const brokers = (process.env.CHRONICLE_KAFKA_BROKERS || '127.0.0.1:59092').split(',');
const kafka = new Kafka({ clientId: 'chronicle-infra-check', brokers, logLevel: logLevel.ERROR });
const topic = `infra-check-${Date.now()}`;
const count = 100;

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}` }));
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${seen.size}/${count} in 30s`)), 30000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          seen.add(message.value.toString());
          if (seen.size === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  console.log(`kafka: produced and consumed ${count} messages on ${topic} (3 partitions)`);
})().catch((err) => {
  console.error('kafka check FAILED:', err);
  process.exit(1);
});
