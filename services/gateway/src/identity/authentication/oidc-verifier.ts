import { Unauthenticated } from '@chronicle/errors';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };

// jose 6 is ES modules only. Node >= 20.19 require()s them; TypeScript's node16 mode does not know
// that yet, so the types come from an import type and the module from require.
const { createRemoteJWKSet, jwtVerify } = require('jose') as typeof Jose;

export interface OidcSettings {
  issuer: string;
  jwksUrl: string;
  audience: string;
  /** The claim naming the user; unset: `preferred_username`, then `sub`. */
  usernameClaim?: string;
}

/** Verifies an identity provider's JWTs against its published keys and names the user in them. */
export class OidcVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: OidcSettings) {
    // Fetched on first use and cached; an unknown key id refetches, so provider key rotation just works.
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl));
  }

  async username(jwt: string): Promise<string> {
    let payload: Jose.JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, this.keys, { issuer: this.settings.issuer, audience: this.settings.audience }));
    } catch (error) {
      throw new Unauthenticated(`Invalid bearer token: ${(error as Error).message}`);
    }
    const claims = this.settings.usernameClaim ? [this.settings.usernameClaim] : ['preferred_username', 'sub'];
    for (const claim of claims) {
      const value = payload[claim];
      if (typeof value === 'string' && value.length > 0) return value;
    }
    throw new Unauthenticated(`The bearer token has no ${claims.join(' or ')} claim to name its user`);
  }
}
