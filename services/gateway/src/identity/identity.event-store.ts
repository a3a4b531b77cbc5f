import { identityEvents } from '@chronicle/contracts';
import type { Database } from '@chronicle/database';
import { EventStore } from '@chronicle/eventstore';
import type { IdentityEvent } from './domain/identity-event';
import { identityProjections } from './projections';
import { identitySchema } from './identity.schema';

export class IdentityEventStore extends EventStore<IdentityEvent> {
  constructor(db: Database, schema: string = identitySchema) {
    super(db, schema, identityEvents, identityProjections);
  }
}
