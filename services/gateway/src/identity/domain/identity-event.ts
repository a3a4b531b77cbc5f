export type { IdentityEvent } from '@chronicle/contracts';
