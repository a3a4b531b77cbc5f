/** The Postgres schema of the identity context: its event log, read models and checkpoints. */
export const identitySchema = 'identity';
